// Minimal `multipart/form-data` reader (RFC 7578) for task uploads: splits the body on the boundary and returns
// each part's bytes under its file name (or, without one, its field name). Enough for what `curl -F` sends.
import Foundation

enum MultipartForm {
    /// The boundary parameter of a `multipart/form-data` content type, or nil for any other type.
    static func boundary(fromContentType value: String) -> String? {
        let parts = value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let b = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return b.isEmpty ? nil : b
            }
        }
        return nil
    }

    /// File name → contents of every part.
    /// - Throws: `APIError` 400 when the body is not well-formed multipart, a part has no usable name, a name
    ///   repeats, or there are no parts.
    static func files(in body: [UInt8], boundary: String) throws -> [String: [UInt8]] {
        let delimiter = Array("--\(boundary)".utf8)
        var positions: [Int] = []
        var searchFrom = 0
        while let p = find(delimiter, in: body, from: searchFrom) {
            positions.append(p)
            searchFrom = p + delimiter.count
        }
        guard positions.count >= 2 else { throw APIError.badRequest("multipart body has no parts (boundary \(boundary))") }
        var files: [String: [UInt8]] = [:]
        for (start, end) in zip(positions, positions.dropFirst()) {
            // A part runs from after "--boundary\r\n" to before "\r\n--boundary".
            var partStart = start + delimiter.count
            guard partStart + 2 <= end, body[partStart] == 13, body[partStart + 1] == 10 else {
                throw APIError.badRequest("malformed multipart delimiter line")
            }
            partStart += 2
            let partEnd = end - 2
            guard partEnd >= partStart, body[partEnd] == 13, body[partEnd + 1] == 10,
                  let headerEnd = find(Array("\r\n\r\n".utf8), in: body, from: partStart), headerEnd <= partEnd else {
                throw APIError.badRequest("malformed multipart part")
            }
            let headers = String(decoding: body[partStart..<headerEnd], as: UTF8.self)
            guard let name = partName(headers) else {
                throw APIError.badRequest("a multipart part has no Content-Disposition name or filename")
            }
            guard files[name] == nil else { throw APIError.badRequest("file '\(name)' is uploaded twice") }
            files[name] = Array(body[(headerEnd + 4)..<partEnd])
        }
        return files
    }

    /// The part's field `name` (`curl -F prompt.safetensors=@any/path` stores `prompt.safetensors`), else the base
    /// name of its `filename`.
    static func partName(_ headers: String) -> String? {
        for line in headers.components(separatedBy: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
            var name: String?
            var fileName: String?
            for item in line.split(separator: ";").dropFirst() {
                let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2 else { continue }
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                switch pair[0].lowercased() {
                case "name": name = value
                case "filename": fileName = value
                default: break
                }
            }
            let chosen = (name?.isEmpty == false ? name : nil) ?? fileName?.split(separator: "/").last.map(String.init)
            guard let chosen, !chosen.isEmpty, chosen != ".", chosen != "..", !chosen.contains("/") else { return nil }
            return chosen
        }
        return nil
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var i = from
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
