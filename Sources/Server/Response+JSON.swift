// JSON helpers: one encoder configuration (sorted keys) for every body the server writes, and the one way request
// bodies are read (size limit, nesting limit, client-facing decoding errors).
import Foundation
import HTTPTypes
import Hummingbird
import ServerAPI

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-ID")!
}

enum JSONBody {
    /// The JSON bytes of `value`, or nil when it holds a non-finite number (the only way our Codable types can fail
    /// to encode; an artifact with extreme values can make the model produce one).
    static func encode<T: Encodable>(_ value: T) -> ByteBuffer? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { ByteBuffer(bytes: $0) }
    }

    /// A JSON response with `status`; a 500 `internal_error` body when `value` cannot be encoded.
    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok,
                                       headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        guard let body = encode(value) else {
            let failure = ErrorBody(error: ErrorDetail(code: "internal_error", message: "the result held a non-finite number"))
            return Response(status: .internalServerError, headers: headers,
                            body: ResponseBody(byteBuffer: encode(failure) ?? ByteBuffer(string: "{}")))
        }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    /// Reads and decodes a JSON body of at most `limit` bytes.
    /// - Throws: `APIError` 413 when larger, 400 when not valid JSON or not the expected shape.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch let error as HTTPResponseError where error.status == .contentTooLarge {
            throw APIError.tooLarge("request body is larger than \(limit) bytes")
        } catch {
            // The client's mistake (a malformed chunked encoding) or its going away mid-body: a 400 for the log and
            // metrics; the connection is usually gone by then.
            throw APIError.badRequest("the request body could not be read: it is not valid HTTP/1.1 framing or ended early")
        }
        guard nestingDepth(buffer.readableBytesView) <= maxNestingDepth else {
            throw APIError.malformedJSON("body nests arrays or objects deeper than \(maxNestingDepth) levels")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw APIError.malformedJSON(describe(error))
        } catch let error as UnknownFieldError {
            throw APIError.unknownField(error)
        }
    }

    /// No request shape nests deeper than a few levels; deeper bodies are refused before the recursive decoder sees them.
    static let maxNestingDepth = 32

    /// The deepest nesting of `[` and `{` outside strings (a linear scan; malformed JSON is the decoder's business).
    static func nestingDepth(_ bytes: some Collection<UInt8>) -> Int {
        var depth = 0, deepest = 0, inString = false, escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }

    /// A short, client-facing description of a decoding failure.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "body" : p
        }
        switch error {
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "body is not valid JSON" }
            return "bad value at \(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "missing field '\(key.stringValue)'" + (context.codingPath.isEmpty ? "" : " in \(path(context))")
        case .typeMismatch(let type, let context): return "wrong type at \(path(context)): expected \(type)"
        case .valueNotFound(let type, let context): return "missing value at \(path(context)): expected \(type)"
        @unknown default: return "body does not match the expected shape"
        }
    }
}
