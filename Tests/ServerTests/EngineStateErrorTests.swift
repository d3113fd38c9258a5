// The errors that depend on the engine's state, from the real engine over HTTP with their bodies: 500
// `internal_error` when the model fails, 503 `queue_full` and `shutting_down` with `Retry-After`, and 504
// `deadline_exceeded`. The iteration gate and an injected clock order everything; nothing waits on time.
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import Scheduling
import Server
import ServerAPI
import Testing

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let now = NIOLockedValueBox(ContinuousClock.now)
    func read() -> ContinuousClock.Instant { now.withLockedValue { $0 } }
    func advance(by duration: Duration) { now.withLockedValue { $0 = $0.advanced(by: duration) } }
}

@Suite struct EngineStateErrorTests {
    static let generate = #"{"task": "peft-pt", "input": "hello", "max_new_tokens": 2}"#

    @Test func modelFailureIs500() async throws {
        let fixture = try RealEngine()
        defer { fixture.removeTasks() }
        fixture.engine.start()
        fixture.backend.failEncoderPasses()
        try await fixture.application().test(.router) { client in
            let response = try await client.execute(uri: "/v1/generate", method: .post, headers: jsonHeaders, body: json(Self.generate))
            try expectError(response, status: 500, code: "internal_error",
                            message: .prefix("internal error: encoder pass failed:"), "encoder failure")
        }
        await fixture.engine.shutdown()
    }

    @Test func fullQueueIs503WithRetryAfter() async throws {
        let gate = IterationGate()
        let fixture = try RealEngine(configuration: EngineConfiguration(policy: BatchPolicy(maxQueueSize: 1),
                                                                        retryAfterSeconds: 7, iterationGate: gate))
        defer { fixture.removeTasks() }
        fixture.engine.start()
        try await fixture.application().test(.router) { client in
            let waiting = Task {
                try await client.execute(uri: "/v1/generate", method: .post, headers: jsonHeaders, body: json(Self.generate))
            }
            try await poll("the first request to be queued") { fixture.engine.queueDepth == 1 }
            let full = try await client.execute(uri: "/v1/generate", method: .post, headers: jsonHeaders, body: json(Self.generate))
            try expectError(full, status: 503, code: "queue_full",
                            message: .exact("the request queue is full (1 waiting); retry later"), "queue full")
            #expect(full.headers[.retryAfter] == "7")
            gate.openFully()
            #expect(try await waiting.value.status == .ok, "the queued request still runs")
        }
        await fixture.engine.shutdown()
    }

    @Test func drainingEngineIs503ShuttingDownWithRetryAfter() async throws {
        let fixture = try RealEngine()
        defer { fixture.removeTasks() }
        fixture.engine.start()
        await fixture.engine.shutdown()
        try await fixture.application().test(.router) { client in
            let response = try await client.execute(uri: "/v1/generate", method: .post, headers: jsonHeaders, body: json(Self.generate))
            try expectError(response, status: 503, code: "shutting_down", message: .exact("the server is shutting down"),
                            "draining")
            #expect(response.headers[.retryAfter] == "5")
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .serviceUnavailable)
        }
    }

    @Test func missedDeadlineIs504() async throws {
        let gate = IterationGate()
        let clock = ManualClock()
        let fixture = try RealEngine(configuration: EngineConfiguration(clock: { clock.read() }, iterationGate: gate))
        defer { fixture.removeTasks() }
        fixture.engine.start()
        let server = ServerConfiguration(port: 0, requestTimeout: .milliseconds(50))
        try await fixture.application(server).test(.router) { client in
            let expiring = Task {
                try await client.execute(uri: "/v1/generate", method: .post, headers: jsonHeaders, body: json(Self.generate))
            }
            try await poll("the request to be queued") { fixture.engine.queueDepth == 1 }
            clock.advance(by: .milliseconds(50))
            try await gate.step()
            let response = try await expiring.value
            try expectError(response, status: 504, code: "deadline_exceeded",
                            message: .exact("the request did not finish within its 50 ms deadline"), "deadline")
            #expect(fixture.engine.statistics.encoderPasses == 0, "the expired request never reached the model")
        }
        await fixture.engine.shutdown()
    }
}
