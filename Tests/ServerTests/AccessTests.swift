// Who may call what, through the real router: task management needs the admin token when one is set, is refused
// read-only and on a non-loopback address without one; the API token guards the /v1 routes while health, readiness
// and metrics stay open; JSON routes take only `Content-Type: application/json` (415 otherwise).
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Server
import ServerAPI
import Testing

@Suite struct AccessTests {
    static let classify = #"{"task": "rte", "fields": {"premise": "a", "hypothesis": "b"}}"#

    static func harness(_ change: (inout ServerConfiguration) -> Void) -> Harness {
        var harness = Harness()
        change(&harness.configuration)
        return harness
    }

    static func bearer(_ token: String, _ headers: HTTPFields = [:]) -> HTTPFields {
        var headers = headers
        headers[.authorization] = "Bearer \(token)"
        return headers
    }

    @Test func adminTokenGuardsTaskManagement() async throws {
        try await Self.harness { $0.adminToken = "admin-secret" }.run { client in
            let anonymous = try await client.execute(uri: "/v1/tasks/rte", method: .delete)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[.wwwAuthenticate] == "Bearer")
            #expect(try errorCode(anonymous) == "unauthorized")
            let wrong = try await client.execute(uri: "/v1/tasks/rte", method: .delete, headers: Self.bearer("admin-secreT"))
            #expect(wrong.status == .unauthorized)
            let longer = try await client.execute(uri: "/v1/tasks/rte", method: .delete, headers: Self.bearer("admin-secret2"))
            #expect(longer.status == .unauthorized)
            let basic = try await client.execute(uri: "/v1/tasks/rte", method: .delete,
                                                 headers: [.authorization: "Basic YWRtaW4tc2VjcmV0"])
            #expect(basic.status == .unauthorized)
            let upload = try await client.execute(uri: "/v1/tasks/new", method: .put,
                                                  headers: [.contentType: "multipart/form-data; boundary=x"], body: ByteBuffer(string: "--x--\r\n"))
            #expect(upload.status == .unauthorized, "PUT too")
            // Inference and listing stay open without an API token.
            #expect(try await client.execute(uri: "/v1/tasks", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/v1/classify", method: .post, headers: jsonHeaders,
                                             body: json(Self.classify)).status == .ok)
            let allowed = try await client.execute(uri: "/v1/tasks/rte", method: .delete, headers: Self.bearer("admin-secret"))
            #expect(allowed.status == .noContent)
        }
    }

    @Test func apiTokenGuardsInferenceButNotHealth() async throws {
        try await Self.harness { $0.apiToken = "api-secret"; $0.adminToken = "admin-secret" }.run { client in
            for (uri, method) in [("/v1/classify", HTTPRequest.Method.post), ("/v1/generate", .post), ("/v1/batch", .post),
                                  ("/v1/tasks", .get), ("/v1/tasks/rte", .get)] {
                let response = try await client.execute(uri: uri, method: method, headers: jsonHeaders, body: json("{}"))
                #expect(response.status == .unauthorized, "\(method) \(uri)")
            }
            let classified = try await client.execute(uri: "/v1/classify", method: .post, headers: Self.bearer("api-secret", jsonHeaders),
                                                      body: json(Self.classify))
            #expect(classified.status == .ok)
            let byAdmin = try await client.execute(uri: "/v1/tasks", method: .get, headers: Self.bearer("admin-secret"))
            #expect(byAdmin.status == .ok, "the admin token also opens the API routes")
            let apiCannotManage = try await client.execute(uri: "/v1/tasks/rte", method: .delete, headers: Self.bearer("api-secret"))
            #expect(apiCannotManage.status == .unauthorized)
            for uri in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
                #expect(try await client.execute(uri: uri, method: .get).status == .ok, "\(uri) stays open")
            }
        }
    }

    @Test func readOnlyRefusesTaskManagementWhateverTheToken() async throws {
        try await Self.harness { $0.readOnly = true; $0.adminToken = "admin-secret" }.run { client in
            for method in [HTTPRequest.Method.put, .delete] {
                let response = try await client.execute(uri: "/v1/tasks/rte", method: method, headers: Self.bearer("admin-secret"))
                #expect(response.status == .forbidden)
                let body = try decode(ErrorBody.self, response)
                #expect(body.error.code == "task_management_disabled" && body.error.message.contains("read-only"))
            }
            #expect(try await client.execute(uri: "/v1/tasks/rte", method: .get).status == .ok)
        }
    }

    @Test func nonLoopbackWithoutAdminTokenRefusesTaskManagement() async throws {
        try await Self.harness { $0.host = "0.0.0.0" }.run { client in
            let response = try await client.execute(uri: "/v1/tasks/rte", method: .delete)
            #expect(response.status == .forbidden)
            #expect(try decode(ErrorBody.self, response).error.message.contains("ALBUM_ADMIN_TOKEN"))
        }
        try await Self.harness { $0.host = "0.0.0.0"; $0.adminToken = "t" }.run { client in
            let response = try await client.execute(uri: "/v1/tasks/rte", method: .delete, headers: Self.bearer("t"))
            #expect(response.status == .noContent)
        }
        #expect(ServerConfiguration(host: "127.0.0.1").taskManagementRefusal == nil)
        #expect(ServerConfiguration(host: "localhost").taskManagementRefusal == nil)
        #expect(ServerConfiguration(host: "::1").taskManagementRefusal == nil)
        #expect(ServerConfiguration(host: "::").taskManagementRefusal != nil)
        #expect(ServerConfiguration(host: "192.168.1.4").taskManagementRefusal != nil)
    }

    @Test func tokenComparisonIsExact() {
        let equal = AccessMiddleware.constantTimeEquals
        #expect(equal(Array("abc".utf8), Array("abc".utf8)))
        #expect(!equal(Array("abc".utf8), Array("abd".utf8)))
        #expect(!equal(Array("abc".utf8), Array("abc\0".utf8)), "a zero byte does not pad a match")
        #expect(!equal(Array("".utf8), Array("a".utf8)))
        #expect(equal([], []))
    }

    @Test func jsonRoutesNeedTheJSONContentType() async throws {
        try await Harness().run { client in
            for uri in ["/v1/generate", "/v1/classify", "/v1/batch"] {
                for contentType in [nil, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                    "application/jsonp"] {
                    var headers: HTTPFields = [:]
                    if let contentType { headers[.contentType] = contentType }
                    let response = try await client.execute(uri: uri, method: .post, headers: headers, body: json(Self.classify))
                    #expect(response.status == .unsupportedMediaType, "\(uri) with \(contentType ?? "none")")
                    #expect(try errorCode(response) == "unsupported_media_type")
                }
            }
            for contentType in ["application/json", "Application/JSON; charset=utf-8", "application/json;charset=UTF-8"] {
                let response = try await client.execute(uri: "/v1/classify", method: .post, headers: [.contentType: contentType],
                                                        body: json(Self.classify))
                #expect(response.status == .ok, "\(contentType)")
            }
        }
    }
}

/// The `task` label of the HTTP metrics takes only loaded task names, so clients cannot grow `/metrics`.
@Suite struct MetricsLabelTests {
    @Test func unknownTaskNamesShareOneLabel() async throws {
        let harness = Harness()
        try await harness.run { client in
            func metricsSize() async throws -> Int {
                try await client.execute(uri: "/metrics", method: .get).body.readableBytes
            }
            func unknownNames(_ range: Range<Int>) async throws {
                for i in range {
                    let response = try await client.execute(
                        uri: i % 2 == 0 ? "/v1/generate" : "/v1/tasks/nope-\(i)", method: i % 2 == 0 ? .post : .get,
                        headers: jsonHeaders, body: json(#"{"task": "nope-\#(i)", "input": "x"}"#))
                    #expect(response.status == .notFound)
                }
                let batch = try await client.execute(uri: "/v1/batch", method: .post, headers: jsonHeaders,
                                                     body: json(#"{"requests": [{"type": "generate", "task": "ghost-\#(range.lowerBound)", "input": "x"}]}"#))
                #expect(batch.status == .ok)
            }
            try await unknownNames(0..<10)
            let before = try await metricsSize()
            try await unknownNames(10..<2000)
            let after = try await metricsSize()
            #expect(after < before + 2048, "metrics grew from \(before) to \(after) bytes")
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(!text.contains("nope-") && !text.contains("ghost"))
            #expect(sample(text, "album_http_requests_total", #"route="/v1/generate",task="_unknown",status="404""#) == 1000)
            // Loaded names keep their own label.
            _ = try await client.execute(uri: "/v1/generate", method: .post, headers: jsonHeaders, body: json(#"{"task": "echo", "input": "x"}"#))
            let loaded = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(sample(loaded, "album_http_requests_total", #"route="/v1/generate",task="echo",status="200""#) == 1)
        }
    }
}
