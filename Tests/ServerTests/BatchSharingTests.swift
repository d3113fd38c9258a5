// `POST /v1/batch` items really share encoder passes: with the model thread held at the iteration gate, the batch's
// items all reach the queue, one iteration admits them together, and both the engine's statistics and the
// `album_batch_rows` histogram of /metrics record a single encoder pass holding every item.
import Engine
import Foundation
import Hummingbird
import HummingbirdTesting
import Server
import ServerAPI
import Testing

@Suite struct BatchSharingTests {
    @Test func batchItemsShareOneEncoderPass() async throws {
        let gate = IterationGate()
        let fixture = try RealEngine(configuration: EngineConfiguration(iterationGate: gate))
        defer { fixture.removeTasks() }
        let engine = fixture.engine
        engine.start()
        let body = #"""
        {"requests": [
          {"task": "peft-pt", "input": "hello", "max_new_tokens": 2},
          {"type": "classify", "task": "static-a", "fields": {"premise": "a", "hypothesis": "b"}},
          {"task": "t5x", "input": "abc", "max_new_tokens": 2},
          {"type": "classify", "task": "peft-mpt", "input": "xyz", "candidates": ["yes", "no"]}
        ]}
        """#
        try await fixture.application().test(.router) { client in
            let batch = Task { try await client.execute(uri: "/v1/batch", method: .post, headers: jsonHeaders, body: json(body)) }
            try await poll("every batch item to be queued") { engine.queueDepth == 4 }
            #expect(engine.statistics.encoderPasses == 0)
            try await gate.step()
            #expect(engine.statistics.encoderPasses == 1)
            #expect(engine.statistics.peakTasksPerEncoderPass == 4, "one pass held the four tasks")
            #expect(engine.queueDepth == 0)
            let metrics = String(decoding: fixture.metrics.exposition(), as: UTF8.self)
            #expect(sample(metrics, "album_batch_rows_count") == 1, "one encoder pass")
            #expect(sample(metrics, "album_batch_rows_sum") == 4, "holding all four items")
            #expect(sample(metrics, "album_batch_rows_bucket", #"le="2.0""#) == 0)
            #expect(sample(metrics, "album_batch_rows_bucket", #"le="4.0""#) == 1)

            gate.openFully()
            let response = try await batch.value
            #expect(response.status == .ok)
            let results = try decode(BatchResponse.self, response).results
            #expect(results.map(\.status) == [200, 200, 200, 200])
            #expect(results[0].generate?.task == "peft-pt" && results[1].classify?.task == "static-a")
            #expect(results[2].generate?.task == "t5x" && results[3].classify?.task == "peft-mpt")
            #expect(engine.statistics.encoderPasses == 1, "the greedy items only decoded afterwards")
        }
        await engine.shutdown()
    }
}
