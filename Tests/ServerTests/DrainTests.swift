// Graceful shutdown of the real application and engine, in the service group `album serve` runs (SIGTERM triggers
// the same graceful shutdown): the request in flight finishes with 200, `/readyz` answers 503 and new inference
// requests get 503 `shutting_down` while the engine drains, and the group then stops cleanly. The model thread is
// held inside the in-flight request's encoder pass, so the drain lasts exactly as long as the test needs.
import Engine
import Foundation
import HTTPTypes
import Server
import ServerAPI
import ServiceLifecycle
import Testing

@Suite struct DrainTests {
    @Test func gracefulShutdownDrainsInFlightRequestsAndAnswers503() async throws {
        let fixture = try RealEngine()
        defer { fixture.removeTasks() }
        let port = Handoff<Int>()
        fixture.engine.start()  // before the listener opens, as `album serve` does
        let group = makeServiceGroup(application: fixture.application(onPort: port.set), engine: fixture.engine,
                                     logger: LiveFixture.logger, handlesSignals: false)
        let stoppedCleanly = Handoff<Bool>()
        Task {
            do {
                try await group.run()
                stoppedCleanly.set(true)
            } catch {
                stoppedCleanly.set(false)
            }
        }
        let p: Int
        do {
            p = try await port.value("the server to listen")
            try await drain(fixture, port: p, group: group)
        } catch {
            fixture.backend.release()
            await group.triggerGracefulShutdown()
            throw error
        }
        #expect(try await stoppedCleanly.value("the service group to stop"), "the service group stops without error")
        #expect(fixture.engine.runningCount == 0 && fixture.engine.queueDepth == 0)
        await #expect(throws: (any Error).self, "the listener is closed once the group stopped") {
            try await send(port: p, .get, "/healthz")
        }
    }

    /// Holds one request in flight, triggers the graceful shutdown, checks the drain, then lets the request finish.
    func drain(_ fixture: RealEngine, port p: Int, group: ServiceGroup) async throws {
        let ready = try await send(port: p, .get, "/readyz")
        #expect(ready.status == .ok, "ready before the shutdown")
        #expect(try ready.decoded(HealthStatus.self).status == "ready")

        // A request in flight: the model thread holds inside its encoder pass.
        fixture.backend.hold()
        let inFlight = Task {
            try await send(port: p, .post, "/v1/generate", body: #"{"task": "peft-pt", "input": "hello", "max_new_tokens": 3}"#)
        }
        try await fixture.backend.waitUntilHeld()
        await group.triggerGracefulShutdown()

        // While the engine drains, the listener still answers: not ready, and new work is refused with a retry hint.
        try await poll("/readyz to answer 503 while draining") {
            try await send(port: p, .get, "/readyz").status == .serviceUnavailable
        }
        let readiness = try await send(port: p, .get, "/readyz")
        #expect(readiness.status == .serviceUnavailable)
        #expect(try readiness.decoded(HealthStatus.self).status == "not_ready")
        let refused = try await send(port: p, .post, "/v1/generate", body: #"{"task": "peft-pt", "input": "late"}"#)
        #expect(refused.status == .serviceUnavailable)
        #expect(refused.headers[.retryAfter] == "5")
        let error = try refused.decoded(ErrorBody.self).error
        #expect(error.code == "shutting_down" && error.message == "the server is shutting down")
        #expect(error.requestID == refused.headers[HTTPField.Name("X-Request-ID")!])
        #expect(fixture.engine.runningCount == 1, "the in-flight request still holds its row")

        // The request in flight finishes normally once the model runs again.
        fixture.backend.release()
        let answer = try await inFlight.value
        #expect(answer.status == .ok)
        let body = try answer.decoded(GenerateResponse.self)
        #expect(body.task == "peft-pt" && body.taskVersion == "0" && !body.ids.isEmpty && body.ids.count <= 3)
    }
}
