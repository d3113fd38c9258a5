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

/// The real engine on the prompt fixtures' model, over a private copy of their tasks directory (the caller removes it).
enum LiveFixture {
    static let logger: Logger = {
        var logger = Logger(label: "live")
        logger.logLevel = .warning
        return logger
    }()

    static func engine(metrics: ServerMetrics, configuration: EngineConfiguration = EngineConfiguration()) throws
        -> (Engine<T5Backend>, tasks: URL)
    {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let tasks = FileManager.default.temporaryDirectory.appendingPathComponent("album-live-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: root.appendingPathComponent("Tests/Fixtures/prompts/tasks"), to: tasks)
        let engine = try EngineLoader.load(
            modelDirectory: root.appendingPathComponent("Tests/Fixtures/prompts/model"), tasksDirectory: tasks,
            codec: ToyCodec(), configuration: configuration, metricsFactory: metrics.factory, logger: logger)
        return (engine, tasks)
    }
}

@Suite struct LiveServerTests {
    @Test func realEngineOverARealSocket() async throws {
        let metrics = ServerMetrics()
        let (engine, tasks) = try LiveFixture.engine(metrics: metrics)
        let logger = LiveFixture.logger
        defer { try? FileManager.default.removeItem(at: tasks) }
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
                #expect(text.contains("album_encoder_tokens_total"))
            }
        }
    }
}

#if canImport(Glibc)
import Glibc

/// Sends `request` over a plain TCP socket to 127.0.0.1:`port` and returns the socket (the caller closes it).
func openRawRequest(port: Int, _ request: String) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
    let bytes = Array(request.utf8)
    guard send(fd, bytes, bytes.count, 0) == bytes.count else { close(fd); throw POSIXError(.EIO) }
    return fd
}

@Suite struct DisconnectTests {
    /// A client that disconnects while its request waits in the queue frees its place: the request is cancelled.
    @Test func clientDisconnectCancelsItsQueuedRequest() async throws {
        let metrics = ServerMetrics()
        // The model thread is held at its gate (never stepped), so the request stays queued however slow the machine.
        let gate = IterationGate()
        let (engine, tasks) = try LiveFixture.engine(
            metrics: metrics, configuration: EngineConfiguration(policy: .init(maxBatchRows: 8), iterationGate: gate))
        let logger = LiveFixture.logger
        defer { try? FileManager.default.removeItem(at: tasks) }
        engine.start()
        let app = buildApplication(service: engine, configuration: ServerConfiguration(port: 0), metrics: metrics,
                                   logger: logger)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let body = #"{"task": "peft-pt", "input": "hello"}"#
            let fd = try openRawRequest(port: port, "POST /v1/generate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            try await poll("the request to be queued") { engine.queueDepth == 1 }
            close(fd)
            try await poll("disconnecting to cancel the queued request") { engine.queueDepth == 0 }
            let cancelled = #"album_engine_requests_total{task="peft-pt",outcome="cancelled"} 1"#
            try await poll("the cancellation to be counted") {
                String(decoding: metrics.exposition(), as: UTF8.self).contains(cancelled)
            }
            #expect(engine.statistics.iterations == 0, "the model never ran the request")
        }
        await engine.shutdown()
    }
}
#endif
