// Bounded work per request through the real router and engine: the number of candidates and each candidate's token
// length are limited (422, configurable), a 50,000-word candidate is refused before it is scored, batch items are
// limited (413) and each item keeps its own limits, and bodies nested too deep are 400 before decoding.
import Engine
import Foundation
import HTTPTypes
import HummingbirdTesting
@testable import Server
import ServerAPI
import Testing

@Suite struct RequestLimitTests {
    static func quoted(_ values: [String]) -> String { values.map { "\"\($0)\"" }.joined(separator: ", ") }

    @Test func candidateCountAndLengthAreLimited() async throws {
        let fixture = try RealEngine()
        defer { fixture.removeTasks() }
        fixture.engine.start()
        try await fixture.application().test(.router) { client in
            func classify(_ candidates: [String]) async throws -> TestResponse {
                try await client.execute(uri: "/v1/classify", method: .post, headers: jsonHeaders,
                                         body: json(#"{"task": "peft-pt", "input": "hello", "candidates": [\#(Self.quoted(candidates))]}"#))
            }
            try expectError(try await classify((0..<65).map { "c\($0)" }), status: 422, code: "unsupported_value",
                            message: .exact("unsupported value for 'candidates': has 65 entries, more than the limit of 64"), "65")
            // The toy codec makes one token per byte, plus </s>.
            let long = String(repeating: "x", count: 64)
            try expectError(try await classify(["ok", long]), status: 422, code: "unsupported_value",
                            message: .exact("unsupported value for 'candidates[1]': has 65 tokens, more than the limit of 64"), "long")
            #expect(try await classify(["ok", String(repeating: "x", count: 63)]).status == .ok, "at the limit")

            // The attack: one candidate of 50,000 words (about 300 KB) is refused at once, never scored.
            let start = ContinuousClock.now
            let huge = Array(repeating: "word", count: 50_000).joined(separator: " ")
            try expectError(try await classify([huge]), status: 422, code: "unsupported_value",
                            message: .prefix("unsupported value for 'candidates[0]': has 249999 bytes"), "50k words")
            #expect(ContinuousClock.now - start < .seconds(5))
            // And a 100 KB body of short candidates stops at the count.
            let many = (0..<12_000).map { "c\($0)" }
            try expectError(try await classify(many), status: 422, code: "unsupported_value",
                            message: .mentions(["12000 entries"]), "100 KB of candidates")
        }
        await fixture.engine.shutdown()
        #expect(fixture.engine.statistics.encoderPasses == 1, "only the request at the limit reached the model")
    }

    @Test func limitsAreConfigurable() async throws {
        let fixture = try RealEngine(configuration: EngineConfiguration(maxCandidates: 2, maxCandidateTokens: 4))
        defer { fixture.removeTasks() }
        fixture.engine.start()
        try await fixture.application().test(.router) { client in
            let three = try await client.execute(uri: "/v1/classify", method: .post, headers: jsonHeaders,
                                                 body: json(#"{"task": "peft-pt", "input": "x", "candidates": ["a", "b", "c"]}"#))
            try expectError(three, status: 422, code: "unsupported_value", message: .mentions(["3 entries", "limit of 2"]), "count")
            let long = try await client.execute(uri: "/v1/classify", method: .post, headers: jsonHeaders,
                                                body: json(#"{"task": "peft-pt", "input": "x", "candidates": ["abcd"]}"#))
            try expectError(long, status: 422, code: "unsupported_value", message: .mentions(["5 tokens", "limit of 4"]), "length")
            // In a batch each item keeps its own limits.
            let batch = try await client.execute(uri: "/v1/batch", method: .post, headers: jsonHeaders, body: json("""
                {"requests": [{"type": "classify", "task": "peft-pt", "input": "x", "candidates": ["a", "b", "c"]},
                              {"type": "classify", "task": "peft-pt", "input": "x", "candidates": ["a", "b"]}]}
                """))
            #expect(batch.status == .ok)
            let results = try decode(BatchResponse.self, batch).results
            #expect(results.map(\.status) == [422, 200])
        }
        await fixture.engine.shutdown()
    }

    @Test func batchItemsAndGenerateInputsAreBounded() async throws {
        let fixture = try RealEngine(configuration: EngineConfiguration(maxInputTokens: 16))
        defer { fixture.removeTasks() }
        fixture.engine.start()
        try await fixture.application(ServerConfiguration(port: 0, maxBatchItems: 2)).test(.router) { client in
            let item = #"{"task": "peft-pt", "input": "x", "max_new_tokens": 1}"#
            let three = try await client.execute(uri: "/v1/batch", method: .post, headers: jsonHeaders,
                                                 body: json(#"{"requests": [\#(item), \#(item), \#(item)]}"#))
            try expectError(three, status: 413, code: "batch_too_large", message: .mentions(["3 items", "limit of 2"]), "items")
            let longInput = try await client.execute(uri: "/v1/generate", method: .post, headers: jsonHeaders,
                                                     body: json(#"{"task": "peft-pt", "input": "\#(String(repeating: "y", count: 5000))"}"#))
            try expectError(longInput, status: 422, code: "input_too_long", message: .mentions(["limit of"]), "input")
            for (field, value) in [("max_new_tokens", "100000"), ("num_beams", "1000"), ("max_new_tokens", "-1")] {
                let response = try await client.execute(uri: "/v1/generate", method: .post, headers: jsonHeaders,
                                                        body: json(#"{"task": "peft-pt", "input": "x", "\#(field)": \#(value)}"#))
                try expectError(response, status: 422, code: "unsupported_value", message: .mentions([field]), field)
            }
        }
        await fixture.engine.shutdown()
        #expect(fixture.engine.statistics.encoderPasses == 0)
    }

    @Test func deepNestingIsRefusedBeforeDecoding() async throws {
        var harness = Harness()
        harness.configuration.maxBodyBytes = 1 << 20
        try await harness.run { client in
            let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
            for body in [deep, #"{"task": "echo", "input": "x", "fields": "# + deep + "}"] {
                let response = try await client.execute(uri: "/v1/generate", method: .post, headers: jsonHeaders, body: json(body))
                #expect(response.status == .badRequest)
                #expect(try errorCode(response) == "malformed_json")
            }
        }
        #expect(JSONBody.nestingDepth(Array(#"{"a": "[[[[[[", "b": [1, {"c": "\"{"}]}"#.utf8)) == 3)
    }
}
