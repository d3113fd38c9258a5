// Two model threads behind the real HTTP server: both workers hold a request inside the model at the same time,
// `/readyz` and `/metrics` report two workers, and a graceful shutdown drains both (each request answers 200 with
// the result one worker gives) while new work is refused.
import Engine
import Foundation
import HTTPTypes
import Server
import ServerAPI
import ServiceLifecycle
import Testing

@Suite struct WorkersLiveTests {
    @Test func twoWorkersServeAtOnceAndDrainAtShutdown() async throws {
        let fixture = try RealEngine(configuration: EngineConfiguration(workers: 2, threadsPerWorker: 1))
        defer { fixture.removeTasks() }
        let single = try RealEngine()
        defer { single.removeTasks() }
        single.engine.start()
        let port = Handoff<Int>()
        fixture.engine.start()
        let group = makeServiceGroup(application: fixture.application(onPort: port.set), engine: fixture.engine,
                                     logger: LiveFixture.logger, handlesSignals: false)
        let stopped = Handoff<Bool>()
        Task {
            do { try await group.run(); stopped.set(true) } catch { stopped.set(false) }
        }
        let bodies = [#"{"task": "peft-pt", "input": "hello", "max_new_tokens": 4}"#,
                      #"{"task": "peft-mpt", "input": "world", "max_new_tokens": 4}"#]
        do {
            let p = try await port.value("the server to listen")
            let ready = try await send(port: p, .get, "/readyz").decoded(HealthStatus.self)
            #expect(ready.status == "ready" && ready.workers == 2)
            let metrics = String(buffer: try #require(try await send(port: p, .get, "/metrics").body))
            #expect(sample(metrics, "album_engine_workers") == 2)

            // One request per worker, both held inside their encoder passes at the same time.
            fixture.backend.hold()
            let inFlight = bodies.map { body in Task { try await send(port: p, .post, "/v1/generate", body: body) } }
            try await fixture.backend.waitUntilHeld(threads: 2)
            #expect(fixture.engine.statistics.admittedPerWorker == [1, 1])
            await group.triggerGracefulShutdown()
            try await poll("/readyz to answer 503 while draining") {
                try await send(port: p, .get, "/readyz").status == .serviceUnavailable
            }
            let refused = try await send(port: p, .post, "/v1/generate", body: bodies[0])
            #expect(refused.status == .serviceUnavailable)
            #expect(try refused.decoded(ErrorBody.self).error.code == "shutting_down")
            fixture.backend.release()
            for (body, task) in zip(bodies, inFlight) {
                let answer = try await task.value
                #expect(answer.status == .ok)
                let got = try answer.decoded(GenerateResponse.self)
                let request = try JSONDecoder().decode(GenerateRequest.self, from: Data(body.utf8))
                let want = try await single.engine.generate(GenerateJob(task: request.task, input: TaskInput(text: request.input ?? ""),
                                                                        maxNewTokens: 4))
                #expect(got.ids == want.ids, "\(body)")
            }
        } catch {
            fixture.backend.release()
            await group.triggerGracefulShutdown()
            throw error
        }
        #expect(try await stopped.value("the service group to stop"))
        #expect(fixture.engine.runningCount == 0 && fixture.engine.queueDepth == 0)
        await single.engine.shutdown()
    }
}
