// One live test over a real socket: the full application (real engine, tiny fixture T5 and fixture tasks) on an
// ephemeral loopback port; answers must equal the engine's own results.
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Server
import ServerAPI
import Testing

/// Same toy codec as EngineTests (the fixture model has 64 ids and no tokenizer).
struct ToyCodec: TextCodec {
    func encode(_ text: String) throws -> [Int32] { text.utf8.map { Int32(2 + Int($0) % 62) } + [1] }
    func decode(_ ids: [Int32]) -> String { ids.filter { $0 > 1 }.map { String($0) }.joined(separator: " ") }
    var eosID: Int32 { 1 }
}

@Suite struct LiveServerTests {
    @Test func realEngineOverARealSocket() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let tasks = FileManager.default.temporaryDirectory.appendingPathComponent("album-live-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: root.appendingPathComponent("Tests/Fixtures/prompts/tasks"), to: tasks)
        let metrics = ServerMetrics()
        var logger = Logger(label: "live")
        logger.logLevel = .warning
        let engine = try EngineLoader.load(
            modelDirectory: root.appendingPathComponent("Tests/Fixtures/prompts/model"), tasksDirectory: tasks,
            codec: ToyCodec(), metricsFactory: metrics.factory, logger: logger)
        engine.start()
        let expected = try await engine.generate(GenerateJob(task: "peft-pt", input: TaskInput(text: "hello"), maxNewTokens: 5))
        let expectedClass = try await engine.classify(ClassifyJob(task: "static-a", input: TaskInput(fields: ["premise": "a", "hypothesis": "b"])))
        let app = buildApplication(service: engine, configuration: ServerConfiguration(port: 0), metrics: metrics,
                                   services: [engine], logger: logger)
        try await app.test(.live) { client in
            try await client.execute(uri: "/v1/generate", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"task": "peft-pt", "input": "hello", "max_new_tokens": 5}"#)) { (r: TestResponse) async throws in
                #expect(r.status == .ok)
                let body = try JSONDecoder().decode(GenerateResponse.self, from: Data(r.body.readableBytesView))
                #expect(body.ids == expected.ids && body.taskVersion == "0" && body.usage.inputTokens == 6)
                #expect(body.usage.promptTokens == 4 && body.usage.outputTokens == expected.ids.count)
            }
            try await client.execute(uri: "/v1/classify", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"task": "static-a", "fields": {"premise": "a", "hypothesis": "b"}}"#)) { (r: TestResponse) async throws in
                let body = try JSONDecoder().decode(ClassifyResponse.self, from: Data(r.body.readableBytesView))
                #expect(body.label == expectedClass.label)
                for s in expectedClass.scores { #expect(body.scores[s.candidate] == s.logProb) }
            }
            try await client.execute(uri: "/readyz", method: .get) { (r: TestResponse) async throws in #expect(r.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { (r: TestResponse) async throws in
                let text = String(buffer: r.body)
                #expect(text.contains("album_batch_rows_bucket"))
                #expect(text.contains("album_queue_depth"))
                #expect(text.contains(#"album_model_info{model="model",d_model="16"} 1"#))
                #expect(text.contains("album_tasks_loaded"))
                #expect(text.contains("album_padding_waste_ratio"))
            }
        }
    }
}
