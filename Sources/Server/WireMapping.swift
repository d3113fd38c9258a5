// Conversions between ServerAPI wire types and engine values. Pure functions, shared by the single-request
// routes and `POST /v1/batch`.
import Engine
import ServerAPI

enum WireMapping {
    /// - Parameter arrival: when the HTTP request arrived; the time since counts against the timeout.
    static func job(_ r: GenerateRequest, timeout: Duration, arrival: ContinuousClock.Instant) -> GenerateJob {
        var job = GenerateJob(task: r.task, input: TaskInput(text: r.input, fields: r.fields), maxNewTokens: r.maxNewTokens,
                              numBeams: r.numBeams, returnAttention: r.returnAttention ?? false, timeout: timeout)
        job.elapsed = ContinuousClock.now - arrival
        return job
    }

    static func job(_ r: ClassifyRequest, timeout: Duration, arrival: ContinuousClock.Instant) -> ClassifyJob {
        var job = ClassifyJob(task: r.task, input: TaskInput(text: r.input, fields: r.fields), candidates: r.candidates,
                              timeout: timeout)
        job.elapsed = ContinuousClock.now - arrival
        return job
    }

    static func response(_ g: GenerateResult) -> GenerateResponse {
        GenerateResponse(task: g.task, taskVersion: g.taskVersion, output: g.text, ids: g.ids,
                         finishReason: g.finishReason.rawValue,
                         usage: Usage(inputTokens: g.inputTokens, promptTokens: g.promptTokens,
                                      outputTokens: g.ids.count),
                         attention: g.attention?.map { AttentionWeight(source: $0.source, weight: $0.weight) })
    }

    static func response(_ c: ClassifyResult) -> ClassifyResponse {
        ClassifyResponse(task: c.task, taskVersion: c.taskVersion, label: c.label,
                         scores: Dictionary(c.scores.map { ($0.candidate, $0.logProb) }, uniquingKeysWith: { a, _ in a }))
    }
}
