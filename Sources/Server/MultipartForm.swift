// `multipart/form-data` reader (RFC 7578, delimiters as RFC 2046 §5.1.1) for task uploads: returns each part's bytes
// under its field name (or, without one, its file name). Linear time in the body: delimiters are found with one
// Knuth–Morris–Pratt pass, and each part's headers are searched only within a bounded window of that part.
import Foundation

enum MultipartForm {
    /// RFC 2046 limits a boundary to 70 characters.
    static let maxBoundaryLength = 70
    /// An upload holds a handful of files (a task folder); more parts than this are refused.
    static let maxParts = 16
    /// Bytes of one part's header block (Content-Disposition, Content-Type).
    static let maxHeaderBytes = 8192
    /// Bytes of a part's name (a file name: 255 on every common file system).
    static let maxNameBytes = 255

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
    /// - Throws: `APIError` 400 when the boundary is longer than 70 characters, the body is not well-formed
    ///   multipart, a part has no usable name or one longer than 255 bytes, a name repeats, there are no parts or
    ///   more than `maxParts`.
    static func files(in body: [UInt8], boundary: String) throws -> [String: [UInt8]] {
        guard boundary.utf8.count <= maxBoundaryLength else {
            throw APIError.badRequest("multipart boundary is longer than \(maxBoundaryLength) characters")
        }
        let dashBoundary = Array("--\(boundary)".utf8)
        let delimiter = LinearSearch(Array("\r\n--\(boundary)".utf8))
        // The first delimiter opens the body, or follows a preamble (then, like every later one, after a CRLF).
        var cursor: Int
        if body.starts(with: dashBoundary) {
            cursor = dashBoundary.count
        } else if let first = delimiter.firstIndex(in: body, from: 0) {
            cursor = first + delimiter.count
        } else {
            throw APIError.badRequest("multipart body has no parts (boundary \(boundary))")
        }
        var files: [String: [UInt8]] = [:]
        while true {
            // After a delimiter: "--" closes the body; else optional spaces or tabs, then CRLF and a part.
            if cursor + 2 <= body.count, body[cursor] == 0x2D, body[cursor + 1] == 0x2D { break }
            while cursor < body.count, body[cursor] == 0x20 || body[cursor] == 0x09 { cursor += 1 }
            guard cursor + 2 <= body.count, body[cursor] == 13, body[cursor + 1] == 10 else {
                throw APIError.badRequest("malformed multipart delimiter line")
            }
            let partStart = cursor + 2
            guard let partEnd = delimiter.firstIndex(in: body, from: partStart) else {
                throw APIError.badRequest("multipart body ends without its closing boundary")
            }
            guard files.count < maxParts else { throw APIError.badRequest("more than \(maxParts) multipart parts") }
            let (name, contents) = try part(body, partStart..<partEnd)
            guard files[name] == nil else { throw APIError.badRequest("file '\(name)' is uploaded twice") }
            files[name] = contents
            cursor = partEnd + delimiter.count
        }
        guard !files.isEmpty else { throw APIError.badRequest("multipart body has no parts (boundary \(boundary))") }
        return files
    }

    /// The name and contents of the part at `range`: a header block ending in an empty line, then the contents.
    private static func part(_ body: [UInt8], _ range: Range<Int>) throws -> (String, [UInt8]) {
        let window = range.lowerBound..<min(range.upperBound, range.lowerBound + maxHeaderBytes + 4)
        // A part without headers starts with its empty line.
        let headerEnd: Int
        if body[range].starts(with: [13, 10]) {
            headerEnd = range.lowerBound - 2
        } else if let end = headerTerminator.firstIndex(in: body, from: window.lowerBound, to: window.upperBound) {
            headerEnd = end
        } else {
            throw APIError.badRequest(range.count > maxHeaderBytes
                ? "multipart part headers are longer than \(maxHeaderBytes) bytes" : "malformed multipart part")
        }
        let headers = headerEnd > range.lowerBound ? String(decoding: body[range.lowerBound..<headerEnd], as: UTF8.self) : ""
        guard let name = partName(headers) else {
            throw APIError.badRequest("a multipart part has no Content-Disposition name or filename")
        }
        guard name.utf8.count <= maxNameBytes else {
            throw APIError.badRequest("a multipart part name is longer than \(maxNameBytes) bytes")
        }
        return (name, Array(body[(headerEnd + 4)..<range.upperBound]))
    }

    private static let headerTerminator = LinearSearch(Array("\r\n\r\n".utf8))

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
}
