// Engine request handling: validation errors, length limits (reject / truncate), queue full, deadlines,
// cancellation of queued and running requests, and draining on shutdown. The queue is ordered with an
// `IterationGate` (the model thread runs one iteration per `step()`) and time with a `ManualClock`, never with sleeps.
import Engine
import ServerAPI
import Foundation
import Prompts
import T5
import Testing

@Suite struct EngineBehaviourTests {
    @Test func validationErrors() async throws {
        let engine = try makeEngine(rows: 2)
        let input = TaskInput(text: "abc")
        await #expect(throws: EngineError.unknownTask("nope")) {
            try await engine.generate(GenerateJob(task: "nope", input: input))
        }
        await #expect(throws: EngineError.invalidInput(
            #"task 'static-a': this task takes fields ["premise", "hypothesis"], not plain text (template "premise: {premise} hypothesis: {hypothesis}")"#)) {
            try await engine.generate(GenerateJob(task: "static-a", input: input))
        }
        await #expect(throws: EngineError.invalidInput(
            #"task 'static-a': missing fields ["hypothesis"] (template "premise: {premise} hypothesis: {hypothesis}")"#)) {
            try await engine.generate(GenerateJob(task: "static-a", input: TaskInput(fields: ["premise": "p"])))
        }
        await #expect(throws: EngineError.unsupportedValue(field: "max_new_tokens", reason: "must be between 1 and 256, got 0")) {
            try await engine.generate(GenerateJob(task: "peft-pt", input: input, maxNewTokens: 0))
        }
        await #expect(throws: EngineError.unsupportedValue(field: "num_beams", reason: "must be between 1 and 8, got 99")) {
            try await engine.generate(GenerateJob(task: "peft-pt", input: input, numBeams: 99))
        }
        await #expect(throws: EngineError.unsupportedValue(
            field: "return_attention",
            reason: "task 'peft-pt' has a static prompt; attention weights exist only for SPE tasks")) {
            try await engine.generate(GenerateJob(task: "peft-pt", input: input, returnAttention: true))
        }
        await #expect(throws: EngineError.invalidInput("task 'peft-pt' has no labels; pass 'candidates'")) {
            try await engine.classify(ClassifyJob(task: "peft-pt", input: input))
        }
        await #expect(throws: EngineError.unsupportedValue(field: "candidates", reason: "has duplicates")) {
            try await engine.classify(ClassifyJob(task: "peft-pt", input: input, candidates: ["a", "a"]))
        }
        await #expect(throws: EngineError.unsupportedValue(field: "candidates", reason: "is empty")) {
            try await engine.classify(ClassifyJob(task: "peft-pt", input: input, candidates: []))
        }
        await engine.shutdown()
    }

    /// The engine's scores and label against the same computation done directly with the model and the task's
    /// prompt (both checked against transformers/PEFT in PromptsTests): the engine must tokenize the task's labels,
    /// keep their order, and pick the label whose score is highest.
    @Test func classificationScoresTheTaskLabelsLikeTheModel() async throws {
        let engine = try makeEngine(rows: 2)
        let fields = ["premise": "ab", "hypothesis": "cd"]
        let result = try await engine.classify(ClassifyJob(task: "static-a", input: TaskInput(fields: fields)))

        let task = try #require(engine.registry.snapshot().task(named: "static-a"))
        let model = try T5Model.load(directory: fixtureModel)
        let codec = ToyCodec()
        let ids = try codec.encode(try task.formatInput(text: nil, fields: fields))
        let prompt = PromptBuilder.prompts(for: [PromptRow(task: task, input: try model.embed(ids))])[0]
        let encoded = try model.encode(rows: [EncoderRow(prompt: prompt.prompt, tokens: ids)])
        let labels = try #require(task.labels)
        let expected = try model.score([(encoded[0], try labels.map { try codec.encode($0) })])[0]

        #expect(result.scores.map(\.candidate) == ["entailment", "not_entailment"])
        for (got, want) in zip(result.scores.map(\.logProb), expected) {
            #expect(close(got, want, tolerance: 1e-6), "engine \(got) vs model \(want)")
        }
        #expect(expected[0] != expected[1], "the two labels must score differently for the label to mean anything")
        #expect(result.label == labels[expected[0] > expected[1] ? 0 : 1])
        await engine.shutdown()
    }

    @Test func inputOverTheLimitIsRejectedOrTruncated() async throws {
        let long = TaskInput(fields: ["premise": String(repeating: "p", count: 40), "hypothesis": "h"])
        let rejecting = try makeEngine(rows: 2)
        await #expect(throws: EngineError.inputTooLong(tokens: 64, limit: 32)) {  // 63 template bytes + </s>
            try await rejecting.generate(GenerateJob(task: "static-a", input: long))
        }
        let truncating = try makeEngine(rows: 2, overflow: .truncate)
        let result = try await truncating.generate(GenerateJob(task: "static-a", input: long, maxNewTokens: 2))
        #expect(result.inputTokens == 32)
        await rejecting.shutdown()
        await truncating.shutdown()
    }

    @Test func aFullQueueRejectsTheNextRequest() async throws {
        let gate = IterationGate()
        let engine = try makeEngine(rows: 8, queue: 2, maxWait: .zero, gate: gate)
        try await gate.waitUntilBlocked()
        let input = TaskInput(text: "abc")
        let queued = (0..<2).map { _ in
            Task { try await engine.generate(GenerateJob(task: "peft-pt", input: input, maxNewTokens: 2)) }
        }
        try await waitUntil("two queued requests") { engine.queueDepth == 2 }
        await #expect(throws: EngineError.queueFull(capacity: 2, retryAfterSeconds: 1)) {
            try await engine.generate(GenerateJob(task: "peft-pt", input: input))
        }
        try await gate.step()
        #expect(engine.queueDepth == 0 && engine.statistics.encoderPasses == 1, "both queued requests share one pass")
        gate.openFully()
        for request in queued { #expect(try await within(request).ids.count == 2) }
        await engine.shutdown()
    }

    @Test func queuedRequestsPastTheirDeadlineFailAndOthersRun() async throws {
        let gate = IterationGate()
        let clock = ManualClock()
        let engine = try makeEngine(rows: 8, maxWait: .zero, gate: gate, clock: clock)
        try await gate.waitUntilBlocked()
        let input = TaskInput(text: "abc")
        let expiring = Task {
            try await engine.generate(GenerateJob(task: "peft-pt", input: input, maxNewTokens: 1, timeout: .milliseconds(50)))
        }
        let surviving = Task {
            try await engine.generate(GenerateJob(task: "peft-pt", input: input, maxNewTokens: 1, timeout: .milliseconds(51)))
        }
        try await waitUntil("two queued requests") { engine.queueDepth == 2 }
        clock.advance(by: .milliseconds(50))  // exactly at the first deadline, before the second
        try await gate.step()
        await #expect(throws: EngineError.deadlineExceeded(timeoutMilliseconds: 50)) { try await within(expiring) }
        #expect(try await within(surviving).ids.count == 1)
        #expect(engine.statistics.encoderPasses == 1 && engine.statistics.completed == 1)
        await engine.shutdown()
    }

    @Test func cancellingAQueuedRequestRemovesItAtOnce() async throws {
        let gate = IterationGate()
        let engine = try makeEngine(rows: 8, maxWait: .zero, gate: gate)
        try await gate.waitUntilBlocked()
        let waiting = Task { try await engine.generate(GenerateJob(task: "peft-pt", input: TaskInput(text: "abc"))) }
        try await waitUntil("a queued request") { engine.queueDepth == 1 }
        waiting.cancel()
        await #expect(throws: EngineError.cancelled) { try await within(waiting) }
        #expect(engine.queueDepth == 0 && engine.statistics.iterations == 0, "cancelled without running the model")
        await engine.shutdown()
    }

    @Test func shutdownDrainsQueuedWorkThenRefusesNewRequests() async throws {
        let gate = IterationGate()
        let engine = try makeEngine(rows: 8, maxWait: .zero, gate: gate)
        try await gate.waitUntilBlocked()
        let job = GenerateJob(task: "peft-pt", input: TaskInput(text: "abc"), maxNewTokens: 3)
        let late = Task { try await engine.generate(job) }
        try await waitUntil("a queued request") { engine.queueDepth == 1 }
        await engine.shutdown()
        let drained = try await within(late)
        await #expect(throws: EngineError.shuttingDown) { try await engine.generate(job) }
        let solo = try makeEngine(rows: 1)
        #expect(drained.ids == (try await solo.generate(job)).ids, "the drained request ran to its normal result")
        await solo.shutdown()
    }

    @Test func cancellingARunningRequestFreesItsRowAtTheNextStep() async throws {
        let gate = IterationGate()
        let engine = try makeEngine(rows: 1, maxWait: .zero, gate: gate)
        try await gate.waitUntilBlocked()
        let input = TaskInput(text: "abcdef")
        let long = Task { try await engine.generate(GenerateJob(task: "peft-pt", input: input, maxNewTokens: 256)) }
        try await waitUntil("the long request queued") { engine.queueDepth == 1 }
        try await gate.step()  // encoder pass + first token; the only row is now taken
        #expect(engine.runningCount == 1, "the long request must still be decoding after its first token")
        let next = Task { try await engine.generate(GenerateJob(task: "peft-pt", input: input, maxNewTokens: 2)) }
        try await waitUntil("the next request queued behind the busy row") { engine.queueDepth == 1 }
        long.cancel()
        try await gate.step()  // the cancelled row is freed and the next request takes it in the same iteration
        await #expect(throws: EngineError.cancelled) { try await within(long) }
        #expect(engine.statistics.encoderPasses == 2 && engine.queueDepth == 0,
                "the queued request got the row one token into the 256-token request: \(engine.statistics)")
        gate.openFully()
        #expect(try await within(next).ids.count == 2)
        #expect(engine.statistics.iterations <= 3, "no decoding continued for the cancelled request: \(engine.statistics)")
        await engine.shutdown()
    }

    @Test func readinessAndTaskDescriptions() async throws {
        let engine = try makeEngine(rows: 2, start: false)
        #expect(await engine.readiness().isReady == false)
        engine.start()
        let readiness = await engine.readiness()
        #expect(readiness.isReady && readiness.tasks == 6)
        let staticA = try await engine.task(named: "static-a")
        #expect(staticA.fields == ["premise", "hypothesis"] && staticA.labels == ["entailment", "not_entailment"])
        #expect(staticA.promptTokens == 3 && staticA.maxInputTokens == 32 && staticA.version == "0")
        let spe = try await engine.task(named: "spe-a")
        #expect(spe.method == "spe")
        await engine.shutdown()
        #expect(await engine.readiness().isReady == false)
    }
}
