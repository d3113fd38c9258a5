// OpenAI-compatible routes as vLLM serves them: `POST /v1/completions` (whole, or streamed as `data:` chunks ending
// in `data: [DONE]`) and `GET /v1/models`. `model` names a task (as vLLM names an adapter) or the base model, which
// then runs with no prompt. Each prompt of a list is one generate request; they batch with each other.
import Engine
import Foundation
import Hummingbird
import ServerAPI

struct OpenAIController {
    let service: any InferenceService
    let configuration: ServerConfiguration

    func addRoutes(to router: Router<AlbumRequestContext>) {
        router.post("/v1/completions", use: completions)
        router.get("/v1/models", use: models)
    }

    @Sendable func models(_ request: Request, context: AlbumRequestContext) async throws -> Response {
        let base = await service.readiness().model
        let tasks = await service.tasks().map { ModelCard(id: $0.name, root: base, parent: base) }
        return JSONBody.response(ModelList(data: [ModelCard(id: base, root: base, parent: nil)] + tasks))
    }

    @Sendable func completions(_ request: Request, context: AlbumRequestContext) async throws -> Response {
        let arrival = ContinuousClock.now
        let body = try await JSONBody.decode(CompletionRequest.self, from: request, limit: configuration.maxBodyBytes)
        let base = await service.readiness().model
        let task: String? = body.model == base ? nil : body.model
        context.labels.task = task
        if let n = body.n, n != 1 { throw EngineError.unsupportedValue(field: "n", reason: "only 1 is supported, got \(n)") }
        let prompts = body.prompt.values
        guard !prompts.isEmpty else { throw EngineError.unsupportedValue(field: "prompt", reason: "is empty") }
        guard prompts.count <= configuration.maxBatchItems else {
            throw APIError(.contentTooLarge, code: "batch_too_large",
                           message: "prompt has \(prompts.count) entries, more than the limit of \(configuration.maxBatchItems)")
        }
        let jobs = try prompts.map { prompt in
            var job = GenerateJob(task: task, input: TaskInput(text: prompt), maxNewTokens: body.maxTokens,
                                  temperature: body.temperature, topK: body.topK, topP: body.topP,
                                  repetitionPenalty: body.repetitionPenalty, seed: try WireMapping.seed(body.seed),
                                  stop: body.stop?.values ?? [], logprobs: body.logprobs,
                                  timeout: configuration.requestTimeout)
            job.elapsed = ContinuousClock.now - arrival
            return job
        }
        let id = "cmpl-\(context.requestID)", created = Int(Date().timeIntervalSince1970)
        if body.stream == true {
            guard jobs.count == 1 else {
                throw EngineError.unsupportedValue(field: "stream", reason: "streams one prompt; got \(jobs.count)")
            }
            return try await stream(jobs[0], body: body, id: id, created: created, context: context)
        }
        let results = try await context.cancellingOnDisconnect { [service] in
            try await withThrowingTaskGroup(of: (Int, GenerateResult).self) { group in
                for (index, job) in jobs.enumerated() { group.addTask { (index, try await service.generate(job)) } }
                var results = [GenerateResult?](repeating: nil, count: jobs.count)
                for try await (index, result) in group { results[index] = result }
                return results.compactMap { $0 }
            }
        }
        let choices = results.enumerated().map { index, result in
            CompletionChoice(index: index, text: result.text,
                             logprobs: body.logprobs == nil ? nil : Self.logprobs(result.tokens ?? [], startOffset: 0),
                             finishReason: Self.finishReason(result.finishReason))
        }
        let usage = CompletionUsage(promptTokens: results.reduce(0) { $0 + $1.inputTokens },
                                    completionTokens: results.reduce(0) { $0 + $1.ids.count })
        return JSONBody.response(CompletionResponse(id: id, created: created, model: body.model, choices: choices,
                                                    usage: usage))
    }

    /// One chunk per token, a last chunk with the finish reason, a usage chunk when asked for, then `[DONE]`.
    private func stream(_ job: GenerateJob, body: CompletionRequest, id: String, created: Int,
                        context: AlbumRequestContext) async throws -> Response {
        let events = try await context.cancellingOnDisconnect { [service] in try await service.generateStream(job) }
        let requestID = context.requestID
        let model = body.model, withLogprobs = body.logprobs != nil, withUsage = body.streamOptions?.includeUsage == true
        return EventStream.response(context: context) { send in
            func chunk(_ choices: [CompletionChoice], usage: CompletionUsage? = nil) {
                send(EventStream.event(nil, CompletionResponse(id: id, created: created, model: model, choices: choices,
                                                               usage: usage)))
            }
            var offset = 0
            do {
                for try await event in events {
                    switch event {
                    case .token(let token):
                        chunk([CompletionChoice(index: 0, text: token.text,
                                                logprobs: withLogprobs ? Self.logprobs([token], startOffset: offset) : nil,
                                                finishReason: nil)])
                        offset += token.text.count
                    case .finished(let result):
                        chunk([CompletionChoice(index: 0, text: "", logprobs: nil,
                                                finishReason: Self.finishReason(result.finishReason))])
                        if withUsage {
                            chunk([], usage: CompletionUsage(promptTokens: result.inputTokens,
                                                             completionTokens: result.ids.count))
                        }
                    }
                }
            } catch {
                let apiError = APIMiddleware.map(error)
                send(EventStream.event(nil, ErrorBody(error: ErrorDetail(code: apiError.code, message: apiError.message,
                                                                          requestID: requestID))))
            }
            send(EventStream.done)
        }
    }

    /// OpenAI's reasons: `stop` for the end of sequence or a stop sequence, `length` for the token limit.
    static func finishReason(_ reason: FinishReason) -> String { reason == .length ? "length" : "stop" }

    /// OpenAI's parallel lists for `tokens`, whose text starts at `startOffset` characters into the choice's text.
    static func logprobs(_ tokens: [GeneratedToken], startOffset: Int) -> CompletionLogprobs {
        var offsets: [Int] = [], offset = startOffset
        for token in tokens {
            offsets.append(offset)
            offset += token.text.count
        }
        return CompletionLogprobs(
            tokens: tokens.map(\.text), tokenLogprobs: tokens.map { $0.logProb ?? 0 },
            topLogprobs: tokens.map { Dictionary(($0.top ?? []).map { ($0.text, $0.logProb) }, uniquingKeysWith: { Swift.max($0, $1) }) },
            textOffset: offsets)
    }
}
