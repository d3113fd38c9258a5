// A minimal HTTP/1.1 client for `album deploy`: one request per connection over a blocking POSIX socket
// (`Connection: close`), plain http:// only, and the multipart/form-data body the server's task upload reads
// (one part per file, the field name being the file name, as `curl -F name=@path` sends it).
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum HTTPUpload {
    struct Response {
        let status: Int
        let body: String
    }

    /// multipart/form-data of `files` (name → bytes) and its content type.
    static func multipart(_ files: [(name: String, data: Data)]) -> (body: Data, contentType: String) {
        let boundary = "album-\(UUID().uuidString)"
        var body = Data()
        for file in files {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.name)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
            body += file.data + Data("\r\n".utf8)
        }
        body += Data("--\(boundary)--\r\n".utf8)
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    /// Sends one request to `server` (http://host[:port][/prefix]) and reads the whole response.
    static func send(server: String, method: String, path: String, contentType: String?, bearerToken: String? = nil,
                     body: Data) throws -> Response {
        guard let url = URL(string: server), url.scheme == "http", let host = url.host else {
            throw CLIError("--server must be an http:// URL, got \(server)")
        }
        let port = url.port ?? 80
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, "\(port)", &hints, &result) == 0, let info = result else {
            throw CLIError("cannot resolve \(host)")
        }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else { throw CLIError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            throw CLIError("cannot connect to \(host):\(port): \(String(cString: strerror(errno)))")
        }
        let prefix = url.path.hasSuffix("/") ? String(url.path.dropLast()) : url.path
        var head = "\(method) \(prefix)\(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        if let bearerToken {
            guard bearerToken.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw CLIError("the token must be visible ASCII characters without spaces")
            }
            head += "Authorization: Bearer \(bearerToken)\r\n"
        }
        let request = Data((head + "\r\n").utf8) + body
        try request.withUnsafeBytes { raw throws in
            var sent = 0
            while sent < raw.count {
                let n = write(fd, raw.baseAddress! + sent, raw.count - sent)
                guard n > 0 else { throw CLIError("write to \(host):\(port) failed: \(String(cString: strerror(errno)))") }
                sent += n
            }
        }
        var response = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            response.append(contentsOf: buffer[0..<n])
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let statusLine = text.split(separator: "\r\n", maxSplits: 1).first,
              let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else {
            throw CLIError("no HTTP response from \(server)")
        }
        let bodyText = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return Response(status: status, body: Self.dechunk(bodyText, chunked: text.lowercased().contains("transfer-encoding: chunked")))
    }

    /// The payload of a chunked body (a server may answer chunked even to HTTP/1.1 Connection: close).
    private static func dechunk(_ body: String, chunked: Bool) -> String {
        guard chunked else { return body }
        var out = "", rest = Substring(body)
        while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
            let start = lineEnd.upperBound
            let bytes = Array(rest[start...].utf8)
            out += String(decoding: bytes.prefix(size), as: UTF8.self)
            rest = Substring(String(decoding: bytes.dropFirst(size + 2), as: UTF8.self))
        }
        return out
    }
}
