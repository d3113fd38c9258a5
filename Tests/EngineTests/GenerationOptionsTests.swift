// Sampling, stop sequences, log-probabilities and the base model through the real engine (tiny fixture T5, toy
// codec): a seeded sampled request gives the same ids alone and inside a mixed batch, the same seed repeats and
// other seeds differ, temperature 0 is greedy, a stop sequence cuts the output before it, token texts concatenate
// to the output, out-of-range options are refused, and a request without a task runs the bare model.
import Engine
import Foundation
import Kernels
import T5
import Testing

@Suite struct GenerationOptionsTests {
    func sampled(_ task: String?, _ text: String, seed: UInt64, maxNewTokens: Int = 12) -> GenerateJob {
        GenerateJob(task: task, input: TaskInput(text: text), maxNewTokens: maxNewTokens, temperature: 1.3, topK: 20,
                    topP: 0.95, repetitionPenalty: 1.1, seed: seed)
    }

    @Test func seededSamplingIsTheSameAloneAndInsideAMixedBatch() async throws {
        let solo = try makeEngine(rows: 1)
        let gate = IterationGate()
        let batched = try makeEngine(rows: 8, maxWait: .zero, gate: gate)
        var probes: [Probe] = []
        for (index, task) in ["peft-pt", "static-a", "spe-a", "t5x", "peft-pt", "spe-attempt"].enumerated() {
            let names = try await solo.task(named: task).fields
            var job = sampled(task, "word\(index)", seed: UInt64(100 + index))
            if names != ["input"] {
                job.input = TaskInput(fields: Dictionary(uniqueKeysWithValues: names.map { ($0, "ab\(index)") }))
            }
            probes.append(.generate(job))
            // Greedy neighbours and classification rows share the batch.
            probes.append(.generate(GenerateJob(task: "peft-pt", input: TaskInput(text: "n\(index)"), maxNewTokens: 5)))
        }
        var reference: [Outcome] = []
        for probe in probes { reference.append(await run(probe, on: solo)) }
        let results = try await runQueuedTogether(probes, on: batched, gate: gate)
        for (index, (got, want)) in zip(results, reference).enumerated() {
            if case .failed(let error) = want { Issue.record("solo request \(index) failed: \(error)") }
            #expect(mismatch(got, want) == nil, "request \(index)")
            if case .generated(let g) = got, case .generate(let job) = probes[index], job.temperature != nil {
                #expect(g.seed == job.seed)
            }
        }
        #expect(batched.statistics.peakRows == 8)
        await solo.shutdown()
        await batched.shutdown()
    }

    @Test func seedsRepeatAndDiffer() async throws {
        let engine = try makeEngine(rows: 4)
        let first = try await engine.generate(sampled("peft-pt", "hello", seed: 1))
        let again = try await engine.generate(sampled("peft-pt", "hello", seed: 1))
        #expect(first.ids == again.ids && first.seed == 1)
        var outputs: Set<[Int32]> = []
        for seed in 0..<8 { outputs.insert(try await engine.generate(sampled("peft-pt", "hello", seed: UInt64(seed))).ids) }
        #expect(outputs.count > 1, "eight seeds all gave \(outputs)")
        // No seed: a random one, returned so the output can be reproduced.
        var unseeded = sampled("peft-pt", "hello", seed: 0)
        unseeded.seed = nil
        let drawn = try await engine.generate(unseeded)
        let seed = try #require(drawn.seed)
        #expect(try await engine.generate(sampled("peft-pt", "hello", seed: seed)).ids == drawn.ids)
        // Temperature 0 is greedy, whatever top-k/top-p say; greedy results carry no seed.
        let greedy = try await engine.generate(GenerateJob(task: "peft-pt", input: TaskInput(text: "hello"), maxNewTokens: 12))
        let zero = try await engine.generate(GenerateJob(task: "peft-pt", input: TaskInput(text: "hello"), maxNewTokens: 12,
                                                         temperature: 0, topK: 3, topP: 0.5, seed: 4))
        #expect(zero.ids == greedy.ids && zero.seed == nil && greedy.seed == nil)
        await engine.shutdown()
    }

    @Test func stopSequenceCutsTheOutputBeforeIt() async throws {
        let engine = try makeEngine(rows: 2)
        let full = try await engine.generate(GenerateJob(task: "peft-pt", input: TaskInput(text: "hello"), maxNewTokens: 16,
                                                         logprobs: 2))
        // ToyCodec writes ids as space-separated numbers; stop at the text of the third token.
        let tokens = try #require(full.tokens)
        try #require(tokens.count >= 4)
        #expect(tokens.map(\.text).joined() == full.text)
        let stop = tokens[2].text.trimmingCharacters(in: .whitespaces)
        let cut = try await engine.generate(GenerateJob(task: "peft-pt", input: TaskInput(text: "hello"), maxNewTokens: 16,
                                                        stop: [stop], logprobs: 0))
        let at = try #require(full.text.range(of: stop))
        #expect(cut.text == String(full.text[..<at.lowerBound]))
        #expect(cut.finishReason == .stop)
        #expect(cut.ids == Array(full.ids.prefix(cut.ids.count)) && cut.ids.count <= 3)
        #expect(cut.tokens?.map(\.text).joined() == cut.text)
        // Log-probabilities: the greedy token is the most likely one, alternatives best first.
        for token in tokens {
            let top = try #require(token.top)
            #expect(top.count == 2 && top[0].logProb >= top[1].logProb)
            #expect(top[0].id == token.id && abs(top[0].logProb - token.logProb!) < 1e-9)
        }
        await engine.shutdown()
    }

    @Test func aStreamWithAStopSequenceSendsExactlyTheCutOutput() async throws {
        let engine = try makeEngine(rows: 2)
        let full = try await engine.generate(GenerateJob(task: "peft-pt", input: TaskInput(text: "hello"), maxNewTokens: 16))
        let words = full.text.split(separator: " ")
        try #require(words.count >= 4)
        let stop = " \(words[2]) \(words[3])"  // spans two tokens
        var streamed: [GeneratedToken] = []
        var finished: GenerateResult?
        for try await event in try await engine.generateStream(GenerateJob(task: "peft-pt", input: TaskInput(text: "hello"),
                                                                           maxNewTokens: 16, stop: [stop])) {
            switch event {
            case .token(let token): streamed.append(token)
            case .finished(let result): finished = result
            }
        }
        let result = try #require(finished)
        #expect(result.finishReason == .stop)
        #expect(result.text == String(full.text[..<full.text.range(of: stop)!.lowerBound]))
        #expect(streamed.map(\.id) == result.ids, "every token is sent, once")
        #expect(streamed.map(\.text).joined() == result.text, "no text of the stop sequence leaks into the stream")
        #expect(streamed.allSatisfy { $0.logProb != nil })
        await engine.shutdown()
    }

    @Test func outOfRangeOptionsAreRefused() async throws {
        let engine = try makeEngine(rows: 1)
        func refused(_ job: GenerateJob) async -> String? {
            do {
                _ = try await engine.generate(job)
                return nil
            } catch EngineError.unsupportedValue(let field, _) {
                return field
            } catch {
                return "\(error)"
            }
        }
        let base = GenerateJob(task: "peft-pt", input: TaskInput(text: "x"), maxNewTokens: 2)
        var job = base; job.temperature = -0.1
        #expect(await refused(job) == "temperature")
        job = base; job.topP = 0
        #expect(await refused(job) == "top_p")
        job = base; job.topK = -1
        #expect(await refused(job) == "top_k")
        job = base; job.repetitionPenalty = 0
        #expect(await refused(job) == "repetition_penalty")
        job = base; job.logprobs = 21
        #expect(await refused(job) == "logprobs")
        job = base; job.stop = ["a", "b", "c", "d", "e"]
        #expect(await refused(job) == "stop")
        job = base; job.stop = [""]
        #expect(await refused(job) == "stop[0]")
        job = base; job.numBeams = 2; job.temperature = 0.5
        #expect(await refused(job) == "temperature")
        job = base; job.numBeams = 2; job.logprobs = 1
        #expect(await refused(job) == "logprobs")
        await engine.shutdown()
    }

    @Test func noTaskRunsTheBaseModelWithoutAPrompt() async throws {
        let engine = try makeEngine(rows: 2)
        let result = try await engine.generate(GenerateJob(task: nil, input: TaskInput(text: "hello"), maxNewTokens: 6))
        let model = try T5Model.load(directory: fixtureModel)
        let ids = try ToyCodec().encode("hello")
        let expected = model.greedy(try model.encode(ids: [ids]), maxNewTokens: 6)[0]
        #expect(result.ids == expected && result.task == nil && result.promptTokens == 0)
        let scores = try await engine.classify(ClassifyJob(task: nil, input: TaskInput(text: "hello"), candidates: ["ab", "c"]))
        let targets = try ["ab", "c"].map { try ToyCodec().encode($0) }
        let reference = try model.score([(try model.encode(ids: [ids])[0], targets)])[0]
        #expect(scores.task == nil)
        for (got, want) in zip(scores.scores, reference) { #expect(abs(got.logProb - want) < 1e-5) }
        await #expect(throws: EngineError.self) {
            _ = try await engine.classify(ClassifyJob(task: nil, input: TaskInput(text: "hello")))
        }
        await engine.shutdown()
    }

    @Test func classifyReturnsAttentionForSPETasks() async throws {
        let engine = try makeEngine(rows: 2)
        let fields = try await engine.task(named: "spe-a").fields
        let input = TaskInput(fields: Dictionary(uniqueKeysWithValues: fields.map { ($0, "ab") }))
        let generated = try await engine.generate(GenerateJob(task: "spe-a", input: input, maxNewTokens: 2, returnAttention: true))
        let classified = try await engine.classify(ClassifyJob(task: "spe-a", input: input, candidates: ["a", "b"],
                                                               returnAttention: true))
        let weights = try #require(classified.attention)
        #expect(weights == generated.attention)
        #expect(abs(weights.map(\.weight).reduce(0, +) - 1) < 1e-4)
        await #expect(throws: EngineError.self) {
            _ = try await engine.classify(ClassifyJob(task: "peft-pt", input: TaskInput(text: "a"), candidates: ["a"],
                                                      returnAttention: true))
        }
        await engine.shutdown()
    }

    @Test func zeroTasksIsReady() async throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("album-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        let engine = try EngineLoader.load(modelDirectory: fixtureModel, tasksDirectory: empty, codec: ToyCodec())
        engine.start()
        let readiness = await engine.readiness()
        #expect(readiness.isReady && readiness.tasks == 0)
        #expect(try await engine.tokenize("ab").map(\.id) == ToyCodec().encode("ab"))
        #expect(try await engine.detokenize([5, 6, 1]) == ToyCodec().decode([5, 6, 1]))
        await #expect(throws: EngineError.self) { _ = try await engine.detokenize([9999]) }
        await engine.shutdown()
    }
}
