// The API surface clients of TGI and vLLM expect, through the real router over the scripted service: unknown fields
// are 422 on every JSON route, the generate options reach the engine and come back (tokens, seed), no task means the
// base model, OpenAI completions and models, tokenize/detokenize, HEAD on health routes, a HELP line on every metric
// family, and the JSON log format.
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import Server
import ServerAPI
import Testing

@Suite struct APISurfaceTests {
    func post(_ client: any TestClientProtocol, _ uri: String, _ body: String,
              _ check: @escaping @Sendable (TestResponse) async throws -> Void) async throws {
        try await client.execute(uri: uri, method: .post, headers: jsonHeaders, body: json(body)) { try await check($0) }
    }

    @Test(arguments: [
        ("/v1/generate", #"{"task": "echo", "input": "a", "temprature": 0.5}"#, "temprature"),
        ("/v1/generate", #"{"task": "echo", "input": "a", "max_tokens": 5}"#, "max_tokens"),
        ("/v1/classify", #"{"task": "rte", "fields": {"premise": "a", "hypothesis": "b"}, "temperature": 1}"#, "temperature"),
        ("/v1/batch", #"{"requests": [], "stream": true}"#, "stream"),
        ("/v1/completions", #"{"model": "echo", "prompt": "a", "best_of": 2}"#, "best_of"),
        ("/v1/completions", #"{"model": "echo", "prompt": "a", "stream_options": {"include_usage": true, "x": 1}}"#, "stream_options.x"),
        ("/v1/tokenize", #"{"text": "a", "add_special_tokens": false}"#, "add_special_tokens"),
        ("/v1/detokenize", #"{"ids": [1], "skip_special_tokens": true}"#, "skip_special_tokens"),
    ])
    func unknownFieldsAre422(route: String, body: String, field: String) async throws {
        try await Harness().run { client in
            try await post(client, route, body) { (r: TestResponse) async throws in
                #expect(r.status == .unprocessableContent)
                #expect(try errorCode(r) == "unknown_field")
                #expect(try decode(ErrorBody.self, r).error.message.contains("'\(field)'"))
            }
        }
    }

    @Test func anUnknownFieldInOneBatchItemFailsOnlyThatItem() async throws {
        try await Harness().run { client in
            try await post(client, "/v1/batch", #"{"requests": [{"task": "echo", "input": "ab"}, {"task": "echo", "input": "a", "top_n": 1}, {"task": "echo", "input": "a", "stream": true}]}"#) { (r: TestResponse) async throws in
                #expect(r.status == .ok)
                let results = try decode(BatchResponse.self, r).results
                #expect(results.map(\.status) == [200, 422, 422])
                #expect(results[1].error?.code == "unknown_field" && results[1].error?.message.contains("requests[1].top_n") == true)
                #expect(results[2].error?.code == "unsupported_value")
            }
        }
    }

    @Test func generateOptionsComeBackAndNoTaskIsTheBaseModel() async throws {
        try await Harness().run { client in
            try await post(client, "/v1/generate", #"{"task": "echo", "input": "hey", "temperature": 0.5, "seed": 3, "logprobs": 2, "stop": "x"}"#) { (r: TestResponse) async throws in
                #expect(r.status == .ok)
                let body = try decode(GenerateResponse.self, r)
                #expect(body.seed == 3)
                #expect(body.tokens?.map(\.id) == body.ids)
                #expect(body.tokens?.first?.topLogprobs == [TokenLogprob(id: 0, text: "t0", logprob: -2), TokenLogprob(id: 1, text: "t1", logprob: -3)])
            }
            try await post(client, "/v1/generate", #"{"input": "hey"}"#) { (r: TestResponse) async throws in
                #expect(r.status == .ok)
                let raw = try JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as! [String: Any]
                #expect(raw["task"] == nil, "the base model has no task")
                #expect(raw["output"] as? String == "hey")
            }
            try await post(client, "/v1/generate", #"{"task": "echo", "input": "a", "seed": -1}"#) { (r: TestResponse) async throws in
                #expect(r.status == .unprocessableContent)
                #expect(try errorCode(r) == "unsupported_value")
            }
        }
    }

    @Test func completionsAndModels() async throws {
        try await Harness().run { client in
            try await client.execute(uri: "/v1/models", method: .get) { (r: TestResponse) async throws in
                let list = try decode(ModelList.self, r)
                #expect(list.object == "list")
                #expect(list.data.map(\.id) == ["fake", "echo", "rte"])
                #expect(list.data[0].parent == nil && list.data[1].parent == "fake" && list.data[1].root == "fake")
            }
            try await post(client, "/v1/completions", #"{"model": "echo", "prompt": ["ab", "cde"], "max_tokens": 2, "logprobs": 1}"#) { (r: TestResponse) async throws in
                #expect(r.status == .ok)
                let body = try decode(CompletionResponse.self, r)
                #expect(body.object == "text_completion" && body.model == "echo" && body.id.hasPrefix("cmpl-"))
                #expect(body.choices.map(\.text) == ["ab", "cd"])
                #expect(body.choices.map(\.index) == [0, 1])
                #expect(body.choices.map(\.finishReason) == ["length", "length"])
                #expect(body.choices[1].logprobs?.tokens == ["c", "d"] && body.choices[1].logprobs?.textOffset == [0, 1])
                #expect(body.usage == CompletionUsage(promptTokens: 3 + 4, completionTokens: 4))
            }
            try await post(client, "/v1/completions", #"{"model": "fake", "prompt": "hi"}"#) { (r: TestResponse) async throws in
                #expect(r.status == .ok)
                #expect(try decode(CompletionResponse.self, r).choices.first?.text == "hi")
            }
            try await post(client, "/v1/completions", #"{"model": "echo", "prompt": "a", "n": 2}"#) { (r: TestResponse) async throws in
                #expect(r.status == .unprocessableContent)
                #expect(try errorCode(r) == "unsupported_value")
            }
            try await post(client, "/v1/completions", #"{"model": "nope", "prompt": "a"}"#) { (r: TestResponse) async throws in
                #expect(r.status == .notFound)
            }
            try await post(client, "/v1/completions", #"{"model": "echo", "prompt": ["a", "b"], "stream": true}"#) { (r: TestResponse) async throws in
                #expect(r.status == .unprocessableContent)
            }
        }
    }

    @Test func tokenizeAndDetokenize() async throws {
        try await Harness().run { client in
            try await post(client, "/v1/tokenize", #"{"text": "ab"}"#) { (r: TestResponse) async throws in
                #expect(try decode(TokenizeResponse.self, r) == TokenizeResponse(ids: [97, 98, 1], tokens: ["a", "b", "</s>"]))
            }
            try await post(client, "/v1/detokenize", #"{"ids": [104, 105, 1]}"#) { (r: TestResponse) async throws in
                #expect(try decode(DetokenizeResponse.self, r).text == "hi")
            }
            try await post(client, "/v1/detokenize", #"{"ids": [100000]}"#) { (r: TestResponse) async throws in
                #expect(r.status == .unprocessableContent)
                #expect(try errorCode(r) == "invalid_input")
            }
            try await client.execute(uri: "/v1/tokenize", method: .post, headers: [.contentType: "text/plain"], body: json(#"{"text": "a"}"#)) { (r: TestResponse) async throws in
                #expect(r.status == .unsupportedMediaType)
            }
        }
    }

    @Test func headOnHealthRoutesAndHelpOnEveryMetric() async throws {
        try await Harness().run { client in
            for uri in ["/healthz", "/readyz", "/metrics"] {
                try await client.execute(uri: uri, method: .head) { (r: TestResponse) async throws in
                    #expect(r.status == .ok, "\(uri)")
                    #expect(r.body.readableBytes == 0)
                }
            }
            try await client.execute(uri: "/v1/generate", method: .post, headers: jsonHeaders, body: json(#"{"task": "echo", "input": "a"}"#)) { _ in }
            try await client.execute(uri: "/metrics", method: .get) { (r: TestResponse) async throws in
                let lines = String(buffer: r.body).split(separator: "\n")
                let typed = lines.filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
                let helped = Set(lines.filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] })
                #expect(!typed.isEmpty)
                for name in typed { #expect(helped.contains(name), "no HELP for \(name)") }
            }
        }
        // The engine's own families (reported through swift-metrics, which has no help text) get theirs too.
        let text = ServerMetrics.addingHelp(to: "# TYPE album_queue_depth gauge\nalbum_queue_depth 0\n# TYPE other_x counter\nother_x 1")
        #expect(text == "# HELP album_queue_depth Requests waiting for a row\n# TYPE album_queue_depth gauge\nalbum_queue_depth 0\n# HELP other_x other x\n# TYPE other_x counter\nother_x 1")
    }

    @Test func jsonLogLinesCarryTheRequestFields() async throws {
        let lines = NIOLockedValueBox<[String]>([])
        var logger = Logger(label: "album") { label in JSONLogHandler(label: label) { line in lines.withLockedValue { $0.append(line) } } }
        logger.logLevel = .info
        let harness = Harness()
        let app = buildApplication(service: harness.service, configuration: harness.configuration, metrics: harness.metrics,
                                   logger: logger)
        try await app.test(.router) { client in
            var headers = jsonHeaders
            headers[HTTPField.Name("X-Request-ID")!] = "log-1"
            try await client.execute(uri: "/v1/generate", method: .post, headers: headers, body: json(#"{"task": "echo", "input": "a"}"#)) { _ in }
        }
        let request = try #require(lines.withLockedValue { $0 }.first { $0.contains(#""request_id":"log-1""#) && $0.contains(#""message":"request""#) })
        #expect(request.hasSuffix("\n") && !request.dropLast().contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(request.utf8)) as? [String: String])
        #expect(object["task"] == "echo" && object["status"] == "200" && object["route"] == "/v1/generate")
        #expect(object["level"] == "info" && object["duration_ms"].flatMap(Double.init) != nil && object["timestamp"] != nil)
    }
}
