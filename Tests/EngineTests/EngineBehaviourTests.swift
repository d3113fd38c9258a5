// Engine request handling: validation errors, length limits (reject / truncate), queue full, deadlines,
// cancellation when the client goes away, and draining on shutdown.
import Engine
import Foundation
import Testing

@Suite struct EngineBehaviourTests {
    @Test func validationErrors() async throws {
        let engine = try makeEngine(rows: 2)
        let input = TaskInput(text: "abc")
        await #expect(throws: EngineError.unknownTask("nope")) {
            try await engine.generate(GenerateJob(task: "nope", input: input))
        }
        await #expect(throws: EngineError.self) {  // static-a needs premise and hypothesis
            try await engine.generate(GenerateJob(task: "static-a", input: input))
        }
        await #expect(throws: EngineError.unsupportedValue(field: "max_new_tokens", reason: "must be between 1 and 256, got 0")) {
            try await engine.generate(GenerateJob(task: "peft-pt", input: input, maxNewTokens: 0))
        }
        await #expect(throws: EngineError.unsupportedValue(field: "num_beams", reason: "must be between 1 and 8, got 99")) {
            try await engine.generate(GenerateJob(task: "peft-pt", input: input, numBeams: 99))
        }
        do {
            _ = try await engine.generate(GenerateJob(task: "peft-pt", input: input, returnAttention: true))
            Issue.record("attention on a static task must fail")
        } catch let error as EngineError {
            guard case .unsupportedValue(field: "return_attention", _) = error else { throw error }
        }
        await #expect(throws: EngineError.invalidInput("task 'peft-pt' has no labels; pass 'candidates'")) {
            try await engine.classify(ClassifyJob(task: "peft-pt", input: input))
        }
        await #expect(throws: EngineError.unsupportedValue(field: "candidates", reason: "has duplicates")) {
            try await engine.classify(ClassifyJob(task: "peft-pt", input: input, candidates: ["a", "a"]))
        }
        await engine.shutdown()
    }

    @Test func classificationUsesTaskLabelsAndPicksTheBest() async throws {
        let engine = try makeEngine(rows: 2)
        let result = try await engine.classify(ClassifyJob(task: "static-a", input: TaskInput(fields: ["premise": "a", "hypothesis": "b"])))
        #expect(result.scores.map(\.candidate) == ["entailment", "not_entailment"])
        #expect(result.label == result.scores.max { $0.logProb < $1.logProb }!.candidate)
        #expect(result.scores.allSatisfy { $0.logProb < 0 && $0.logProb.isFinite })
        await engine.shutdown()
    }

    @Test func inputOverTheLimitIsRejectedOrTruncated() async throws {
        let long = TaskInput(fields: ["premise": String(repeating: "p", count: 40), "hypothesis": "h"])
        let rejecting = try makeEngine(rows: 2)
        do {
            _ = try await rejecting.generate(GenerateJob(task: "static-a", input: long))
            Issue.record("over-long input must be rejected")
        } catch let error as EngineError {
            guard case .inputTooLong(let tokens, 32) = error, tokens > 32 else { throw error }
        }
        let truncating = try makeEngine(rows: 2, overflow: .truncate)
        let result = try await truncating.generate(GenerateJob(task: "static-a", input: long, maxNewTokens: 2))
        #expect(result.inputTokens == 32)
        await rejecting.shutdown()
        await truncating.shutdown()
    }

    @Test func queueFullDeadlineAndCancellation() async throws {
        // A long batching window keeps requests queued, so the queue bound and deadlines are observable.
        let engine = try makeEngine(rows: 8, queue: 2, maxWait: .seconds(30))
        let input = TaskInput(text: "abc")
        let waiting = Task { try await engine.generate(GenerateJob(task: "peft-pt", input: input)) }
        let expiring = Task { try await engine.generate(GenerateJob(task: "peft-pt", input: input, timeout: .milliseconds(50))) }
        try await Task.sleep(for: .milliseconds(20))
        await #expect(throws: EngineError.queueFull(capacity: 2, retryAfterSeconds: 1)) {
            try await engine.generate(GenerateJob(task: "peft-pt", input: input))
        }
        await #expect(throws: EngineError.deadlineExceeded(timeoutMilliseconds: 50)) { try await expiring.value }
        waiting.cancel()
        await #expect(throws: EngineError.cancelled) { try await waiting.value }
        // The engine is still healthy: draining runs whatever is queued right away.
        let late = Task { try await engine.generate(GenerateJob(task: "peft-pt", input: input, maxNewTokens: 2)) }
        try await Task.sleep(for: .milliseconds(20))
        await engine.shutdown()
        #expect(try await late.value.ids.count <= 2)
        await #expect(throws: EngineError.shuttingDown) {
            try await engine.generate(GenerateJob(task: "peft-pt", input: input))
        }
    }

    @Test func cancellingARunningRequestFreesItsRow() async throws {
        let engine = try makeEngine(rows: 1, maxWait: .zero)
        let input = TaskInput(text: "abcdef")
        let long = Task { try await engine.generate(GenerateJob(task: "peft-pt", input: input, maxNewTokens: 256)) }
        try await Task.sleep(for: .milliseconds(5))
        long.cancel()
        do {
            let result = try await long.value
            // On a fast machine the request may finish before the cancellation lands.
            #expect(result.ids.count <= 256)
        } catch let error as EngineError {
            #expect(error == .cancelled)
        }
        let next = try await engine.generate(GenerateJob(task: "peft-pt", input: input, maxNewTokens: 2))
        #expect(next.ids.count <= 2)
        await engine.shutdown()
    }

    @Test func readinessAndTaskDescriptions() async throws {
        let engine = try makeEngine(rows: 2, start: false)
        #expect(await engine.readiness().isReady == false)
        engine.start()
        let readiness = await engine.readiness()
        #expect(readiness.isReady && readiness.tasks >= 5)
        let staticA = try await engine.task(named: "static-a")
        #expect(staticA.fields == ["premise", "hypothesis"] && staticA.labels == ["entailment", "not_entailment"])
        #expect(staticA.promptTokens == 3 && staticA.maxInputTokens == 32 && staticA.version == "0")
        let spe = try await engine.task(named: "spe-a")
        #expect(spe.method == "spe")
        await engine.shutdown()
        #expect(await engine.readiness().isReady == false)
    }
}
