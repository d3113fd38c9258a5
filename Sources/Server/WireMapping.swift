// Conversions between ServerAPI wire types and engine values. Pure functions, shared by the single-request
// routes, `POST /v1/batch` and the OpenAI-compatible routes.
import Engine
import ServerAPI

enum WireMapping {
    /// - Parameter arrival: when the HTTP request arrived; the time since counts against the timeout.
    /// - Throws: `EngineError.unsupportedValue` for a negative seed.
    static func job(_ r: GenerateRequest, timeout: Duration, arrival: ContinuousClock.Instant) throws -> GenerateJob {
        var job = GenerateJob(task: r.task, input: TaskInput(text: r.input, fields: r.fields), maxNewTokens: r.maxNewTokens,
                              numBeams: r.numBeams, returnAttention: r.returnAttention ?? false,
                              temperature: r.temperature, topK: r.topK, topP: r.topP,
                              repetitionPenalty: r.repetitionPenalty, seed: try seed(r.seed),
                              stop: r.stop?.values ?? [], logprobs: r.logprobs, timeout: timeout)
        job.elapsed = ContinuousClock.now - arrival
        return job
    }

    static func job(_ r: ClassifyRequest, timeout: Duration, arrival: ContinuousClock.Instant) -> ClassifyJob {
        var job = ClassifyJob(task: r.task, input: TaskInput(text: r.input, fields: r.fields), candidates: r.candidates,
                              returnAttention: r.returnAttention ?? false, timeout: timeout)
        job.elapsed = ContinuousClock.now - arrival
        return job
    }

    /// A request's seed as the engine takes it.
    static func seed(_ value: Int?) throws -> UInt64? {
        guard let value else { return nil }
        guard value >= 0 else { throw EngineError.unsupportedValue(field: "seed", reason: "must be ≥ 0, got \(value)") }
        return UInt64(value)
    }

    static func response(_ g: GenerateResult) -> GenerateResponse {
        GenerateResponse(task: g.task, taskVersion: g.taskVersion, output: g.text, ids: g.ids,
                         finishReason: g.finishReason.rawValue,
                         usage: Usage(inputTokens: g.inputTokens, promptTokens: g.promptTokens,
                                      outputTokens: g.ids.count),
                         attention: g.attention.map(attention), tokens: g.tokens?.map(token), seed: g.seed)
    }

    static func token(_ t: GeneratedToken) -> GeneratedTokenInfo {
        GeneratedTokenInfo(id: t.id, text: t.text, logprob: t.logProb,
                           topLogprobs: t.top?.map { TokenLogprob(id: $0.id, text: $0.text, logprob: $0.logProb) })
    }

    static func attention(_ entries: [AttentionEntry]) -> [AttentionWeight] {
        entries.map { AttentionWeight(source: $0.source, weight: $0.weight) }
    }

    static func response(_ c: ClassifyResult) -> ClassifyResponse {
        ClassifyResponse(task: c.task, taskVersion: c.taskVersion, label: c.label,
                         scores: Dictionary(c.scores.map { ($0.candidate, $0.logProb) }, uniquingKeysWith: { a, _ in a }),
                         attention: c.attention.map(attention),
                         ensemble: c.ensemble.map { EnsembleVotes(combine: $0.combine, memberLabels: $0.memberLabels) })
    }
}
