// Every error code of docs/api.md, produced by the real engine and the real task registry (no scripted service):
// status, `error.code`, the message, the request id in the body equal to the `X-Request-ID` header, and the extra
// headers (`Allow`, `Retry-After`). 499 `cancelled` is covered by CancellationTests (a half-closed client reads it).
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Scheduling
@testable import Server
import ServerAPI
import Testing

/// How an error message is checked.
enum MessageCheck: Sendable, CustomStringConvertible {
    case exact(String)
    case prefix(String)
    case mentions([String])

    func matches(_ message: String) -> Bool {
        switch self {
        case .exact(let text): message == text
        case .prefix(let text): message.hasPrefix(text)
        case .mentions(let parts): parts.allSatisfy { message.contains($0) }
        }
    }

    var description: String {
        switch self {
        case .exact(let text): "exactly \(text.debugDescription)"
        case .prefix(let text): "starting with \(text.debugDescription)"
        case .mentions(let parts): "mentioning \(parts)"
        }
    }
}

/// Checks the one error shape and returns the error.
@discardableResult
func expectError(_ response: TestResponse, status: Int, code: String, message: MessageCheck, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) throws -> ErrorDetail {
    #expect(response.status.code == status, "\(what): status", sourceLocation: sourceLocation)
    let body = try JSONDecoder().decode(ErrorBody.self, from: Data(response.body.readableBytesView))
    #expect(body.error.code == code, "\(what): code", sourceLocation: sourceLocation)
    #expect(message.matches(body.error.message), "\(what): message \(body.error.message.debugDescription), expected \(message)",
            sourceLocation: sourceLocation)
    let header = response.headers[HTTPField.Name("X-Request-ID")!]
    #expect(header != nil && body.error.requestID == header, "\(what): request id", sourceLocation: sourceLocation)
    return body.error
}

/// A `multipart/form-data` body as `curl -F name=@file` sends it, with its content type.
func multipart(_ files: [(String, [UInt8])], boundary: String = "----album-test-boundary") -> (HTTPFields, ByteBuffer) {
    var body = ByteBuffer()
    for (name, bytes) in files {
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(name)\"\r\n")
        body.writeString("Content-Type: application/octet-stream\r\n\r\n")
        body.writeBytes(bytes)
        body.writeString("\r\n")
    }
    body.writeString("--\(boundary)--\r\n")
    return ([.contentType: "multipart/form-data; boundary=\(boundary)"], body)
}

/// One request and the error it must produce.
struct ErrorCase: Sendable, CustomTestStringConvertible {
    let method: HTTPRequest.Method
    let uri: String
    var headers: HTTPFields = [.contentType: "application/json"]
    let body: String?
    let status: Int
    let code: String
    let message: MessageCheck
    var allow: String? = nil
    var testDescription: String { "\(method.rawValue) \(uri) → \(status) \(code)" }
}

@Suite struct ErrorContractTests {
    static let server = ServerConfiguration(port: 0, maxBodyBytes: 4096, maxUploadBytes: 16384, maxBatchItems: 3)

    static let cases: [ErrorCase] = [
        ErrorCase(method: .post, uri: "/v1/generate", body: #"{"task": "peft-pt", "input": "x""#, status: 400,
                  code: "malformed_json", message: .exact("body is not valid JSON")),
        ErrorCase(method: .post, uri: "/v1/generate", body: #"{"task": "peft-pt", "input": "x", "temprature": 1}"#, status: 422,
                  code: "unknown_field", message: .exact("unknown field 'temprature': the API does not take it")),
        ErrorCase(method: .post, uri: "/v1/generate", body: #"{"task": "peft-pt", "input": "x", "top_p": 0}"#, status: 422,
                  code: "unsupported_value", message: .exact("unsupported value for 'top_p': must be in (0, 1], got 0.0")),
        ErrorCase(method: .post, uri: "/v1/completions", body: #"{"prompt": "x"}"#, status: 400, code: "malformed_json",
                  message: .exact("missing field 'model'")),
        ErrorCase(method: .post, uri: "/v1/classify", body: #"{"task": 5, "input": "x"}"#, status: 400,
                  code: "malformed_json", message: .exact("wrong type at task: expected String")),
        ErrorCase(method: .post, uri: "/v1/generate", body: #"{"task": "nope", "input": "x"}"#, status: 404,
                  code: "unknown_task", message: .exact("unknown task 'nope'")),
        ErrorCase(method: .get, uri: "/v1/tasks/nope", body: nil, status: 404, code: "unknown_task",
                  message: .exact("unknown task 'nope'")),
        ErrorCase(method: .delete, uri: "/v1/tasks/nope", body: nil, status: 404, code: "unknown_task",
                  message: .exact("unknown task 'nope'")),
        ErrorCase(method: .get, uri: "/nope", body: nil, status: 404, code: "not_found", message: .exact("Not Found")),
        ErrorCase(method: .get, uri: "/v1/generate", body: nil, status: 405, code: "method_not_allowed",
                  message: .exact("GET is not allowed on /v1/generate"), allow: "POST"),
        ErrorCase(method: .post, uri: "/v1/tasks/static-a", body: "{}", status: 405, code: "method_not_allowed",
                  message: .exact("POST is not allowed on /v1/tasks/static-a"), allow: "DELETE, GET, PUT"),
        ErrorCase(method: .delete, uri: "/v1/tasks/album-a", body: nil, status: 409, code: "album_in_use",
                  message: .exact(#"conflict: album 'album-a' is used by tasks ["spe-a", "spe-attempt"]"#)),
        ErrorCase(method: .post, uri: "/v1/generate",
                  body: #"{"task": "peft-pt", "input": "\#(String(repeating: "a", count: 5000))"}"#, status: 413,
                  code: "payload_too_large", message: .exact("request body is larger than 4096 bytes")),
        ErrorCase(method: .put, uri: "/v1/tasks/fresh", headers: [.contentType: "multipart/form-data; boundary=b"],
                  body: "--b\r\nContent-Disposition: form-data; name=\"task.json\"\r\n\r\n\(String(repeating: "x", count: 17000))\r\n--b--\r\n",
                  status: 413, code: "payload_too_large", message: .exact("upload is larger than 16384 bytes")),
        ErrorCase(method: .post, uri: "/v1/batch",
                  body: #"{"requests": [{"task": "peft-pt", "input": "a"}, {"task": "peft-pt", "input": "b"}, {"task": "peft-pt", "input": "c"}, {"task": "peft-pt", "input": "d"}]}"#,
                  status: 413, code: "batch_too_large", message: .exact("batch has 4 items, more than the limit of 3")),
        ErrorCase(method: .put, uri: "/v1/tasks/fresh", body: "{}", status: 415, code: "unsupported_media_type",
                  message: .mentions(["multipart/form-data", "curl -F"])),
        ErrorCase(method: .post, uri: "/v1/generate",
                  body: #"{"task": "peft-pt", "input": "\#(String(repeating: "a", count: 600))"}"#, status: 422,
                  code: "input_too_long", message: .exact("input has 601 tokens, more than the limit of 512")),
        ErrorCase(method: .post, uri: "/v1/generate", body: #"{"task": "static-a", "input": "x"}"#, status: 422,
                  code: "invalid_input", message: .prefix("invalid input: task 'static-a': this task takes fields")),
        ErrorCase(method: .post, uri: "/v1/generate",
                  body: #"{"task": "static-a", "fields": {"premise": "a"}}"#, status: 422, code: "invalid_input",
                  message: .prefix(#"invalid input: task 'static-a': missing fields ["hypothesis"]"#)),
        ErrorCase(method: .post, uri: "/v1/generate",
                  body: #"{"task": "peft-pt", "input": "x", "fields": {"input": "y"}}"#, status: 422, code: "invalid_input",
                  message: .exact("invalid input: task 'peft-pt': give either text or fields, not both")),
        ErrorCase(method: .post, uri: "/v1/classify", body: #"{"task": "peft-pt", "input": "x"}"#, status: 422,
                  code: "invalid_input", message: .exact("invalid input: task 'peft-pt' has no labels; pass 'candidates'")),
        ErrorCase(method: .post, uri: "/v1/generate", body: #"{"task": "peft-pt", "input": "x", "max_new_tokens": 0}"#,
                  status: 422, code: "unsupported_value",
                  message: .exact("unsupported value for 'max_new_tokens': must be between 1 and 256, got 0")),
        ErrorCase(method: .post, uri: "/v1/generate", body: #"{"task": "peft-pt", "input": "x", "num_beams": 9}"#,
                  status: 422, code: "unsupported_value",
                  message: .exact("unsupported value for 'num_beams': must be between 1 and 8, got 9")),
        ErrorCase(method: .post, uri: "/v1/generate", body: #"{"task": "peft-pt", "input": "x", "return_attention": true}"#,
                  status: 422, code: "unsupported_value",
                  message: .exact("unsupported value for 'return_attention': task 'peft-pt' has a static prompt; attention weights exist only for SPE tasks")),
        ErrorCase(method: .post, uri: "/v1/classify", body: #"{"task": "peft-pt", "input": "x", "candidates": []}"#,
                  status: 422, code: "unsupported_value", message: .exact("unsupported value for 'candidates': is empty")),
        ErrorCase(method: .post, uri: "/v1/classify", body: #"{"task": "peft-pt", "input": "x", "candidates": ["a", "a"]}"#,
                  status: 422, code: "unsupported_value", message: .exact("unsupported value for 'candidates': has duplicates")),
        ErrorCase(method: .post, uri: "/v1/classify", headers: [.contentType: "text/plain"], body: #"{"task": "peft-pt"}"#,
                  status: 415, code: "unsupported_media_type",
                  message: .exact("send the body as JSON with 'Content-Type: application/json'")),
        ErrorCase(method: .post, uri: "/v1/batch", body: #"{"requests": []}"#, status: 422, code: "unsupported_value",
                  message: .exact("'requests' is empty")),
    ]

    /// The OpenAPI document lists every status these errors answer with, on their route (unknown routes and
    /// methods aside: 404 not_found and 405 have no route to document them on).
    @Test func everyErrorStatusIsDocumentedOnItsRoute() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        for error in Self.cases where error.code != "not_found" && error.code != "method_not_allowed" {
            let route = try #require(DocumentedExamplesTests.route(of: error.uri, in: paths), "\(error.uri) is not documented")
            let operation = (paths[route] as? [String: Any])?[error.method.rawValue.lowercased()] as? [String: Any]
            let statuses = (operation?["responses"] as? [String: Any])?.keys.sorted() ?? []
            #expect(statuses.contains("\(error.status)"), "\(error.testDescription): the document lists only \(statuses)")
        }
    }

    @Test(arguments: cases)
    func errorHasItsStatusCodeAndMessage(_ expected: ErrorCase) async throws {
        let fixture = try RealEngine()
        defer { fixture.removeTasks() }
        fixture.engine.start()
        try await fixture.application(Self.server).test(.router) { client in
            let response = try await client.execute(uri: expected.uri, method: expected.method, headers: expected.headers,
                                                    body: expected.body.map { ByteBuffer(string: $0) })
            try expectError(response, status: expected.status, code: expected.code, message: expected.message,
                            expected.testDescription)
            if let allow = expected.allow { #expect(response.headers[.allow] == allow) }
        }
        await fixture.engine.shutdown()
        #expect(fixture.engine.statistics.completed == 0, "no error case reaches the model")
    }
}
