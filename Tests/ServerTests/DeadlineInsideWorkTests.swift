// Deadlines and cancellation reach inside long work: scoring runs in chunks and beam search one step per engine
// iteration, and the model thread checks the request between them. A manual clock that the backend advances by 100 ms per chunk or
// step makes "time" exact: a 300 ms deadline stops after exactly three steps (504), never after all twenty.
import Engine
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOConcurrencyHelpers
import Scheduling
import Server
import ServerAPI
import Testing

@Suite struct DeadlineInsideWorkTests {
    static let candidates = (0..<20).map { "\"c\($0)\"" }.joined(separator: ", ")

    static func fixture(_ clock: ManualClock, gate: IterationGate) throws -> RealEngine {
        let fixture = try RealEngine(configuration: EngineConfiguration(scoringChunkTokens: 1, clock: { clock.read() },
                                                                        iterationGate: gate))
        fixture.backend.onStep { clock.advance(by: .milliseconds(100)) }
        return fixture
    }

    @Test func scoringStopsAtTheFirstChunkPastTheDeadline() async throws {
        let clock = ManualClock(), gate = IterationGate()
        let fixture = try Self.fixture(clock, gate: gate)
        defer { fixture.removeTasks() }
        fixture.engine.start()
        try await fixture.application(ServerConfiguration(port: 0, requestTimeout: .milliseconds(300))).test(.router) { client in
            let request = Task {
                try await client.execute(uri: "/v1/classify", method: .post, headers: jsonHeaders,
                                         body: json(#"{"task": "peft-pt", "input": "hello", "candidates": [\#(Self.candidates)]}"#))
            }
            try await poll("the request to be queued") { fixture.engine.queueDepth == 1 }
            try await gate.step()
            try expectError(try await request.value, status: 504, code: "deadline_exceeded",
                            message: .exact("the request did not finish within its 300 ms deadline"), "scoring deadline")
            #expect(fixture.backend.steps == 3, "chunks at 0, 100 and 200 ms; the check at 300 ms stops it")
        }
        await fixture.engine.shutdown()
        let metrics = String(decoding: fixture.metrics.exposition(), as: UTF8.self)
        #expect(sample(metrics, "album_engine_requests_total", #"task="peft-pt",outcome="deadline_exceeded""#) == 1)
    }

    @Test func withinItsDeadlineEveryChunkIsScored() async throws {
        let clock = ManualClock(), gate = IterationGate()
        let fixture = try Self.fixture(clock, gate: gate)
        defer { fixture.removeTasks() }
        fixture.engine.start()
        try await fixture.application(ServerConfiguration(port: 0, requestTimeout: .seconds(10))).test(.router) { client in
            let request = Task {
                try await client.execute(uri: "/v1/classify", method: .post, headers: jsonHeaders,
                                         body: json(#"{"task": "peft-pt", "input": "hello", "candidates": [\#(Self.candidates)]}"#))
            }
            try await poll("the request to be queued") { fixture.engine.queueDepth == 1 }
            try await gate.step()
            let response = try await request.value
            #expect(response.status == .ok)
            #expect(try decode(ClassifyResponse.self, response).scores.count == 20)
            #expect(fixture.backend.steps == 20, "one chunk per candidate")
        }
        await fixture.engine.shutdown()
    }

    @Test func chunkedScoresEqualOnePass() async throws {
        let chunked = try RealEngine(configuration: EngineConfiguration(scoringChunkTokens: 1))
        let whole = try RealEngine(configuration: EngineConfiguration(scoringChunkTokens: 1 << 20))
        defer { chunked.removeTasks(); whole.removeTasks() }
        chunked.engine.start()
        whole.engine.start()
        let job = ClassifyJob(task: "peft-pt", input: TaskInput(text: "hello"), candidates: ["yes", "no", "maybe so"])
        let a = try await chunked.engine.classify(job), b = try await whole.engine.classify(job)
        #expect(a.label == b.label && a.scores.map(\.candidate) == b.scores.map(\.candidate))
        for (x, y) in zip(a.scores, b.scores) { #expect(abs(x.logProb - y.logProb) < 1e-4, "\(x) vs \(y)") }
        #expect(chunked.backend.steps == 3 && whole.backend.steps == 1)
        await chunked.engine.shutdown()
        await whole.engine.shutdown()
    }

    @Test func beamSearchStopsAtTheFirstStepPastTheDeadline() async throws {
        let clock = ManualClock(), gate = IterationGate()
        let fixture = try Self.fixture(clock, gate: gate)
        defer { fixture.removeTasks() }
        fixture.engine.start()
        try await fixture.application(ServerConfiguration(port: 0, requestTimeout: .milliseconds(300))).test(.router) { client in
            let request = Task {
                try await client.execute(uri: "/v1/generate", method: .post, headers: jsonHeaders,
                                         body: json(#"{"task": "peft-pt", "input": "hello", "num_beams": 2, "max_new_tokens": 200}"#))
            }
            try await poll("the request to be queued") { fixture.engine.queueDepth == 1 }
            // One beam step per iteration: steps at 0, 100 and 200 ms; the fourth iteration (300 ms) expires it.
            for _ in 0..<4 { try await gate.step() }
            try expectError(try await request.value, status: 504, code: "deadline_exceeded",
                            message: .exact("the request did not finish within its 300 ms deadline"), "beam deadline")
            #expect(fixture.backend.steps == 3)
            #expect(fixture.engine.runningCount == 0, "the expired beam search freed its rows")
        }
        await fixture.engine.shutdown()
    }

    @Test func cancellingStopsScoringBetweenChunks() async throws {
        let gate = IterationGate()
        let fixture = try RealEngine(configuration: EngineConfiguration(scoringChunkTokens: 1, iterationGate: gate))
        defer { fixture.removeTasks() }
        let running = NIOLockedValueBox<Task<ClassifyResult, any Error>?>(nil)
        fixture.backend.onStep { [backend = fixture.backend] in
            if backend.steps >= 2 { running.withLockedValue { $0?.cancel() } }
        }
        fixture.engine.start()
        let candidates = (0..<20).map { "c\($0)" }
        let task = Task { [engine = fixture.engine] in
            try await engine.classify(ClassifyJob(task: "peft-pt", input: TaskInput(text: "hello"), candidates: candidates))
        }
        running.withLockedValue { $0 = task }
        try await poll("the request to be queued") { fixture.engine.queueDepth == 1 }
        gate.openFully()
        await #expect(throws: EngineError.cancelled) { try await task.value }
        #expect(fixture.backend.steps == 2, "the chunk after the cancel never ran")
        await fixture.engine.shutdown()
        let metrics = String(decoding: fixture.metrics.exposition(), as: UTF8.self)
        #expect(sample(metrics, "album_engine_requests_total", #"task="peft-pt",outcome="cancelled""#) == 1)
    }

    @Test func timeSpentBeforeTheEngineCountsAgainstTheDeadline() async throws {
        let clock = ManualClock()
        let fixture = try RealEngine(configuration: EngineConfiguration(scoringChunkTokens: 1, clock: { clock.read() }))
        defer { fixture.removeTasks() }
        fixture.backend.onStep { clock.advance(by: .milliseconds(100)) }
        fixture.engine.start()
        var job = ClassifyJob(task: "peft-pt", input: TaskInput(text: "hello"), candidates: (0..<20).map { "c\($0)" },
                              timeout: .milliseconds(300))
        job.elapsed = .milliseconds(250)
        await #expect(throws: EngineError.deadlineExceeded(timeoutMilliseconds: 300)) {
            try await fixture.engine.classify(job)
        }
        #expect(fixture.backend.steps == 1, "50 ms were left: one chunk, then the check at 100 ms stops it")
        // With the whole timeout spent already, nothing reaches the model.
        job.elapsed = .milliseconds(300)
        await #expect(throws: EngineError.deadlineExceeded(timeoutMilliseconds: 300)) {
            try await fixture.engine.classify(job)
        }
        #expect(fixture.backend.steps == 1 && fixture.engine.statistics.encoderPasses == 1)
        await fixture.engine.shutdown()
    }
}
