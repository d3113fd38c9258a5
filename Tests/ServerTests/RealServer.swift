// Helpers for server tests against the real engine: the prompt fixtures' tiny T5 behind `ControlledBackend` with the
// fixture tasks (a private copy per test), the production service group on an ephemeral loopback port, a plain HTTP
// client, and reading values out of the Prometheus exposition.
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import Prompts
import Server
import ServerAPI
import ServiceLifecycle
import Testing

/// A real engine over the fixture model and a private copy of the fixture tasks.
struct RealEngine {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let model = root.appendingPathComponent("Tests/Fixtures/prompts/model")

    let engine: Engine<ControlledBackend>
    let backend: ControlledBackend
    let metrics: ServerMetrics
    /// The tasks directory the registry writes to.
    let tasks: URL

    init(configuration: EngineConfiguration = EngineConfiguration()) throws {
        metrics = ServerMetrics()
        tasks = FileManager.default.temporaryDirectory.appendingPathComponent("album-server-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent("Tests/Fixtures/prompts/tasks"), to: tasks)
        backend = ControlledBackend(base: try T5Backend(directory: Self.model))
        let registry = try TaskRegistry(directory: tasks, model: try BaseModelInfo(checkpoint: Self.model))
        engine = Engine(backend: backend, codec: ToyCodec(), registry: registry, configuration: configuration,
                        metricsFactory: metrics.factory, logger: LiveFixture.logger)
    }

    /// The application over this engine, as `album serve` builds it; `onServerRunning` receives the bound port.
    func application(_ configuration: ServerConfiguration = ServerConfiguration(port: 0),
                     onPort: @escaping @Sendable (Int) -> Void = { _ in }) -> some ApplicationProtocol {
        buildApplication(service: engine, configuration: configuration, metrics: metrics, logger: LiveFixture.logger,
                         onServerRunning: { onPort($0.localAddress?.port ?? -1) })
    }

    /// Files of a fixture task folder, as an upload carries them.
    static func taskFiles(_ name: String) throws -> [(String, [UInt8])] {
        let folder = root.appendingPathComponent("Tests/Fixtures/prompts/tasks/\(name)")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().filter { $0 != "README.md" }.map {
            ($0, Array(try Data(contentsOf: folder.appendingPathComponent($0))))
        }
    }

    func removeTasks() { try? FileManager.default.removeItem(at: tasks) }
}

/// A value set once by one task and awaited by another, with a bounded wait.
final class Handoff<Value: Sendable>: Sendable {
    private let box = NIOLockedValueBox<Value?>(nil)
    func set(_ value: Value) { box.withLockedValue { $0 = value } }
    var isSet: Bool { box.withLockedValue { $0 } != nil }
    func value(timeout: Duration = .seconds(300), _ what: String) async throws -> Value {
        try await poll(timeout: timeout, what) { box.withLockedValue { $0 } != nil }
        return try #require(box.withLockedValue { $0 })
    }
}

/// Polls `condition` every few milliseconds; fails the test (throws) when it is still false after `timeout`.
func poll(timeout: Duration = .seconds(300), _ what: String, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while try await !condition() {
        try #require(ContinuousClock.now < deadline, "timed out after \(timeout) waiting for \(what)")
        try await Task.sleep(for: .milliseconds(5))
    }
}

/// Runs the application and engine in the service group `album serve` uses (without signal handlers), calls `body`
/// with the port, then shuts the group down gracefully and waits for it.
func withServer<T: Sendable>(_ fixture: RealEngine, _ configuration: ServerConfiguration = ServerConfiguration(port: 0),
                             _ body: @Sendable (Int) async throws -> T) async throws -> T {
    let port = Handoff<Int>()
    fixture.engine.start()  // before the listener opens, as `album serve` does
    let group = makeServiceGroup(application: fixture.application(configuration, onPort: port.set),
                                 engine: fixture.engine, logger: LiveFixture.logger, handlesSignals: false)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let result: Result<T, any Error>
        do { result = .success(try await body(try await port.value("the server to listen"))) } catch { result = .failure(error) }
        fixture.backend.release()
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return try result.get()
    }
}

/// One HTTP/1.1 request on a fresh connection to 127.0.0.1:`port`.
func send(port: Int, _ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:],
          body: String? = nil) async throws -> TestClient.Response {
    try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(300))) { client in
        var headers = headers
        if body != nil && headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await client.execute(TestClient.Request(uri, method: method, authority: "localhost", headers: headers,
                                                           body: body.map { ByteBuffer(string: $0) }))
    }
}

extension TestClient.Response {
    /// The body decoded as `T`.
    func decoded<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data((body ?? ByteBuffer()).readableBytesView))
    }
}

/// The value of the Prometheus sample `name{labels}` in `text` (labels as written, e.g. `task="a",outcome="ok"`);
/// nil when absent.
func sample(_ text: String, _ name: String, _ labels: String = "") -> Double? {
    let key = labels.isEmpty ? name : "\(name){\(labels)}"
    for line in text.split(separator: "\n") where line.hasPrefix(key + " ") {
        return Double(line.dropFirst(key.count + 1))
    }
    return nil
}
