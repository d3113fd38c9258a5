// HummingbirdTesting router tests: every route and every error of docs/api.md, against a scripted service.
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Server
import ServerAPI
import Testing

/// Helpers shared by the router tests.
struct Harness {
    var configuration = ServerConfiguration(maxBodyBytes: 4096, maxUploadBytes: 8192, maxBatchItems: 3)
    var service = FakeService()
    let metrics = ServerMetrics()

    func app() -> some ApplicationProtocol {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return buildApplication(service: service, configuration: configuration, metrics: metrics, logger: logger)
    }

    func run(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await app().test(.router, body)
    }
}

func json(_ string: String) -> ByteBuffer { ByteBuffer(string: string) }
let jsonHeaders: HTTPFields = [.contentType: "application/json"]

func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(response.body.readableBytesView))
}

/// Checks the one error shape and returns its code.
func errorCode(_ response: TestResponse) throws -> String {
    let body = try decode(ErrorBody.self, response)
    #expect(!body.error.message.isEmpty)
    #expect(body.error.requestID == response.headers[HTTPField.Name("X-Request-ID")!])
    return body.error.code
}

@Suite struct RouterTests {
    @Test func generateReturnsTheDocumentedShape() async throws {
        try await Harness().run { client in
            try await client.execute(uri: "/v1/generate", method: .post, headers: jsonHeaders,
                                     body: json(#"{"task": "echo", "input": "hello", "max_new_tokens": 3}"#)) { (r: TestResponse) async throws in
                #expect(r.status == .ok)
                #expect(r.headers[HTTPField.Name("X-Request-ID")!]?.isEmpty == false)
                let body = try decode(GenerateResponse.self, r)
                #expect(body == GenerateResponse(task: "echo", taskVersion: "3", output: "hel", ids: [104, 101, 108],
                                                 finishReason: "length",
                                                 usage: Usage(inputTokens: 6, promptTokens: 2, outputTokens: 3)))
                let raw = try JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as! [String: Any]
                #expect(Set(raw.keys) == ["task", "task_version", "output", "ids", "finish_reason", "usage"])
            }
        }
    }

    @Test func fieldsInputAndClientRequestIDAreUsed() async throws {
        try await Harness().run { client in
            var headers = jsonHeaders
            headers[HTTPField.Name("X-Request-ID")!] = "my-id-42"
            try await client.execute(uri: "/v1/generate", method: .post, headers: headers,
                                     body: json(#"{"task": "rte", "fields": {"premise": "ab", "hypothesis": "cd"}}"#)) { (r: TestResponse) async throws in
                #expect(r.status == .ok)
                #expect(r.headers[HTTPField.Name("X-Request-ID")!] == "my-id-42")
                #expect(try decode(GenerateResponse.self, r).output == "cd ab")
            }
        }
    }

    @Test func classifyReturnsLabelAndScores() async throws {
        try await Harness().run { client in
            try await client.execute(uri: "/v1/classify", method: .post, headers: jsonHeaders,
                                     body: json(#"{"task": "rte", "fields": {"premise": "a", "hypothesis": "b"}}"#)) { (r: TestResponse) async throws in
                #expect(r.status == .ok)
                #expect(try decode(ClassifyResponse.self, r) == ClassifyResponse(
                    task: "rte", taskVersion: "1", label: "entailment",
                    scores: ["entailment": -0.5, "not_entailment": -1.5]))
            }
            try await client.execute(uri: "/v1/classify", method: .post, headers: jsonHeaders,
                                     body: json(#"{"task": "echo", "input": "x", "candidates": ["yes", "no"]}"#)) { (r: TestResponse) async throws in
                #expect(try decode(ClassifyResponse.self, r).scores == ["yes": -0.5, "no": -1.5])
            }
        }
    }

    @Test(arguments: [
        (#"{"task": "echo", "input": "x""#, 400, "malformed_json"),
        (#"{"task": "echo", "input": 3}"#, 400, "malformed_json"),
        (#"{"task": 5, "input": "x"}"#, 400, "malformed_json"),
        (#"{"task": "nope", "input": "x"}"#, 404, "unknown_task"),
        (#"{"task": "echo", "input": "too long"}"#, 422, "input_too_long"),
        (#"{"task": "echo", "input": "x", "num_beams": 0}"#, 422, "unsupported_value"),
        (#"{"task": "echo", "input": "queue full"}"#, 503, "queue_full"),
        (#"{"task": "echo", "input": "slow"}"#, 504, "deadline_exceeded"),
        (#"{"task": "echo", "input": "boom"}"#, 500, "internal_error"),
    ])
    func generateErrors(body: String, status: Int, code: String) async throws {
        try await Harness().run { client in
            try await client.execute(uri: "/v1/generate", method: .post, headers: jsonHeaders, body: json(body)) { (r: TestResponse) async throws in
                #expect(r.status.code == status, "body \(body)")
                #expect(try errorCode(r) == code, "body \(body)")
                if status == 503 { #expect(r.headers[.retryAfter] == "2") }
            }
        }
    }

    @Test func bodyOverTheLimitIs413() async throws {
        try await Harness().run { client in
            let big = String(repeating: "a", count: 5000)
            try await client.execute(uri: "/v1/generate", method: .post, headers: jsonHeaders,
                                     body: json(#"{"task": "echo", "input": "\#(big)"}"#)) { (r: TestResponse) async throws in
                #expect(r.status == .contentTooLarge)
                #expect(try errorCode(r) == "payload_too_large")
            }
        }
    }

    @Test func batchKeepsOrderAndIsolatesBadItems() async throws {
        try await Harness().run { client in
            let body = #"""
            {"requests": [
              {"task": "echo", "input": "abc", "max_new_tokens": 2},
              {"type": "classify", "task": "rte", "fields": {"premise": "a", "hypothesis": "b"}},
              {"task": "missing", "input": "x"}
            ]}
            """#
            try await client.execute(uri: "/v1/batch", method: .post, headers: jsonHeaders, body: json(body)) { (r: TestResponse) async throws in
                #expect(r.status == .ok)
                let results = try decode(BatchResponse.self, r).results
                #expect(results.map(\.status) == [200, 200, 404])
                #expect(results[0].generate?.output == "ab")
                #expect(results[1].classify?.label == "entailment")
                #expect(results[2].error?.code == "unknown_task")
            }
            let malformedItem = #"{"requests": [{"type": "translate", "task": "echo"}, {"task": "echo", "input": "ok"}, {"task": ["echo"], "input": "x"}]}"#
            try await client.execute(uri: "/v1/batch", method: .post, headers: jsonHeaders, body: json(malformedItem)) { (r: TestResponse) async throws in
                #expect(r.status == .ok)
                let results = try decode(BatchResponse.self, r).results
                #expect(results.map(\.status) == [400, 200, 400])
                #expect(results[0].error?.code == "malformed_json")
                #expect(results[1].generate?.output == "ok")
            }
        }
    }

    @Test func batchLimits() async throws {
        try await Harness().run { client in
            let item = #"{"task": "echo", "input": "x"}"#
            try await client.execute(uri: "/v1/batch", method: .post, headers: jsonHeaders,
                                     body: json(#"{"requests": [\#(item), \#(item), \#(item), \#(item)]}"#)) { (r: TestResponse) async throws in
                #expect(r.status == .contentTooLarge)
                #expect(try errorCode(r) == "batch_too_large")
            }
            try await client.execute(uri: "/v1/batch", method: .post, headers: jsonHeaders,
                                     body: json(#"{"requests": []}"#)) { (r: TestResponse) async throws in
                #expect(r.status == .unprocessableContent)
                #expect(try errorCode(r) == "unsupported_value")
            }
            try await client.execute(uri: "/v1/batch", method: .post, headers: jsonHeaders, body: json("[1,")) { (r: TestResponse) async throws in
                #expect(r.status == .badRequest)
            }
        }
    }

    @Test func taskRoutes() async throws {
        try await Harness().run { client in
            try await client.execute(uri: "/v1/tasks", method: .get) { (r: TestResponse) async throws in
                #expect(r.status == .ok)
                #expect(try decode(TaskList.self, r).tasks.map(\.name) == ["echo", "rte"])
            }
            try await client.execute(uri: "/v1/tasks/rte", method: .get) { (r: TestResponse) async throws in
                let info = try decode(TaskInfo.self, r)
                #expect(info.labels == ["entailment", "not_entailment"] && info.fields == ["premise", "hypothesis"])
            }
            try await client.execute(uri: "/v1/tasks/nope", method: .get) { (r: TestResponse) async throws in
                #expect(r.status == .notFound)
                #expect(try errorCode(r) == "unknown_task")
            }
            // PUT: a multipart body exactly as `curl -F task.json=@task.json -F prompt.safetensors=@p` sends it.
            let boundary = "------------------------abc123"
            var upload = ""
            for (name, content) in [("task.json", #"{"kind": "static"}"#), ("prompt.safetensors", "BYTES\r\nMORE")] {
                upload += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(name)\"\r\n"
                upload += "Content-Type: application/octet-stream\r\n\r\n\(content)\r\n"
            }
            upload += "--\(boundary)--\r\n"
            let multipart: HTTPFields = [.contentType: "multipart/form-data; boundary=\(boundary)"]
            for expectedVersion in ["1", "2"] {
                try await client.execute(uri: "/v1/tasks/new", method: .put, headers: multipart, body: json(upload)) { (r: TestResponse) async throws in
                    #expect(r.status == .ok)
                    let info = try decode(TaskInfo.self, r)
                    #expect(info.name == "new" && info.version == expectedVersion && info.promptTokens == 2)
                }
            }
            try await client.execute(uri: "/v1/tasks/new", method: .put, headers: jsonHeaders, body: json("{}")) { (r: TestResponse) async throws in
                #expect(r.status == .unsupportedMediaType)
                #expect(try errorCode(r) == "unsupported_media_type")
            }
            try await client.execute(uri: "/v1/tasks/new", method: .put, headers: multipart, body: json("garbage")) { (r: TestResponse) async throws in
                #expect(r.status == .badRequest)
            }
            let noManifest = "--\(boundary)\r\nContent-Disposition: form-data; name=\"x\"; filename=\"p.bin\"\r\n\r\nzz\r\n--\(boundary)--\r\n"
            try await client.execute(uri: "/v1/tasks/new", method: .put, headers: multipart, body: json(noManifest)) { (r: TestResponse) async throws in
                #expect(r.status == .unprocessableContent)
                #expect(try errorCode(r) == "invalid_artifact")
            }
            try await client.execute(uri: "/v1/tasks/new", method: .delete) { (r: TestResponse) async throws in #expect(r.status == .noContent) }
            try await client.execute(uri: "/v1/tasks/new", method: .delete) { (r: TestResponse) async throws in
                #expect(r.status == .notFound)
                #expect(try errorCode(r) == "unknown_task")
            }
        }
    }

    @Test func uploadOverTheLimitIs413() async throws {
        try await Harness().run { client in
            let boundary = "b"
            let upload = "--b\r\nContent-Disposition: form-data; name=\"task.json\"\r\n\r\n\(String(repeating: "x", count: 9000))\r\n--b--\r\n"
            try await client.execute(uri: "/v1/tasks/big", method: .put,
                                     headers: [.contentType: "multipart/form-data; boundary=\(boundary)"],
                                     body: json(upload)) { (r: TestResponse) async throws in
                #expect(r.status == .contentTooLarge)
            }
        }
    }

    @Test func healthReadinessAndUnknownRoutes() async throws {
        try await Harness().run { client in
            try await client.execute(uri: "/healthz", method: .get) { (r: TestResponse) async throws in
                #expect(r.status == .ok)
                #expect(try decode(HealthStatus.self, r).status == "ok")
            }
            try await client.execute(uri: "/readyz", method: .get) { (r: TestResponse) async throws in
                #expect(r.status == .ok)
                #expect(try decode(HealthStatus.self, r) == HealthStatus(status: "ready", model: "fake", tasks: 2, precision: "fp32", workers: 1))
            }
            try await client.execute(uri: "/nope", method: .get) { (r: TestResponse) async throws in
                #expect(r.status == .notFound)
                #expect(try errorCode(r) == "not_found")
            }
            try await client.execute(uri: "/v1/generate", method: .get) { (r: TestResponse) async throws in
                #expect(r.status == .methodNotAllowed)
                #expect(try errorCode(r) == "method_not_allowed")
            }
        }
        try await Harness(service: FakeService(ready: false)).run { client in
            try await client.execute(uri: "/readyz", method: .get) { (r: TestResponse) async throws in
                #expect(r.status == .serviceUnavailable)
                #expect(try decode(HealthStatus.self, r).status == "not_ready")
            }
        }
    }

    @Test func metricsCountRequestsByTaskAndStatus() async throws {
        let harness = Harness()
        try await harness.run { client in
            try await client.execute(uri: "/v1/generate", method: .post, headers: jsonHeaders,
                                     body: json(#"{"task": "echo", "input": "x"}"#))
            try await client.execute(uri: "/v1/generate", method: .post, headers: jsonHeaders,
                                     body: json(#"{"task": "nope", "input": "x"}"#))
            try await client.execute(uri: "/metrics", method: .get) { (r: TestResponse) async throws in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = String(buffer: r.body)
                #expect(text.contains(#"album_http_requests_total{route="/v1/generate",task="echo",status="200"} 1"#))
                #expect(text.contains(#"album_http_errors_total{route="/v1/generate",task="_unknown",code="unknown_task"} 1"#),
                        "an unknown name counts under one fixed label")
                #expect(text.contains("album_http_request_duration_seconds_bucket"))
            }
        }
    }

    /// The OpenAPI document parses, and its paths and methods are exactly the router's routes.
    @Test func openAPIDocumentMatchesRoutes() async throws {
        let harness = Harness()
        let router = buildRouter(service: harness.service, configuration: harness.configuration, metrics: harness.metrics)
        var routes: Set<String> = []
        for route in router.routes {
            let path = route.path.description.replacingOccurrences(of: ":name", with: "{name}")
            routes.insert("\(route.method.rawValue.lowercased()) \(path)")
        }
        let expected = routes
        try await harness.run { client in
            try await client.execute(uri: "/openapi.json", method: .get) { (r: TestResponse) async throws in
                #expect(r.status == .ok)
                let doc = try JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as! [String: Any]
                #expect(doc["openapi"] as? String == "3.1.0")
                let paths = doc["paths"] as! [String: [String: Any]]
                var documented: Set<String> = []
                for (path, item) in paths {
                    for method in item.keys where method != "parameters" { documented.insert("\(method) \(path)") }
                }
                #expect(documented == expected)
            }
        }
    }
}
