// `POST /v1/generate` (whole, or streamed as Server-Sent Events), `POST /v1/classify`, `POST /v1/batch`: decode,
// hand to the engine, encode. Batch items run concurrently (so the scheduler can batch them) and fail independently.
// The deadline runs from the request's arrival, for every item of a batch alike.
import Engine
import Foundation
import Hummingbird
import ServerAPI

struct InferenceController {
    let service: any InferenceService
    let configuration: ServerConfiguration

    func addRoutes(to router: Router<AlbumRequestContext>) {
        router.post("/v1/generate", use: generate)
        router.post("/v1/classify", use: classify)
        router.post("/v1/batch", use: batch)
    }

    @Sendable func generate(_ request: Request, context: AlbumRequestContext) async throws -> Response {
        let arrival = ContinuousClock.now
        let body = try await JSONBody.decode(GenerateRequest.self, from: request, limit: configuration.maxBodyBytes)
        context.labels.task = body.task
        let job = try WireMapping.job(body, timeout: configuration.requestTimeout, arrival: arrival)
        if body.stream == true { return try await stream(job, context: context) }
        let result = try await context.cancellingOnDisconnect { [service] in try await service.generate(job) }
        return JSONBody.response(WireMapping.response(result))
    }

    /// Events `token` (`{"token": {...}}`, one per token), then `done` (the whole response) or `error` (the error
    /// body). Errors before the request is queued are ordinary error responses.
    private func stream(_ job: GenerateJob, context: AlbumRequestContext) async throws -> Response {
        let events = try await context.cancellingOnDisconnect { [service] in try await service.generateStream(job) }
        let requestID = context.requestID
        return EventStream.response(context: context) { send in
            do {
                for try await event in events {
                    switch event {
                    case .token(let token): send(EventStream.event("token", GenerateStreamToken(token: WireMapping.token(token))))
                    case .finished(let result): send(EventStream.event("done", WireMapping.response(result)))
                    }
                }
            } catch {
                let apiError = APIMiddleware.map(error)
                send(EventStream.event("error", ErrorBody(error: ErrorDetail(code: apiError.code, message: apiError.message,
                                                                              requestID: requestID))))
            }
        }
    }

    @Sendable func classify(_ request: Request, context: AlbumRequestContext) async throws -> Response {
        let arrival = ContinuousClock.now
        let body = try await JSONBody.decode(ClassifyRequest.self, from: request, limit: configuration.maxBodyBytes)
        context.labels.task = body.task
        let job = WireMapping.job(body, timeout: configuration.requestTimeout, arrival: arrival)
        let result = try await context.cancellingOnDisconnect { [service] in try await service.classify(job) }
        return JSONBody.response(WireMapping.response(result))
    }

    @Sendable func batch(_ request: Request, context: AlbumRequestContext) async throws -> Response {
        let arrival = ContinuousClock.now
        let body = try await JSONBody.decode(LenientBatch.self, from: request, limit: configuration.maxBodyBytes)
        guard !body.requests.isEmpty else { throw APIError.unprocessable("'requests' is empty") }
        guard body.requests.count <= configuration.maxBatchItems else {
            throw APIError(.contentTooLarge, code: "batch_too_large",
                           message: "batch has \(body.requests.count) items, more than the limit of \(configuration.maxBatchItems)")
        }
        let tasks = Set(body.requests.compactMap { try? $0.get().task })
        context.labels.task = tasks.count <= 1 ? tasks.first : ServerMetrics.mixedTasks
        let requestID = context.requestID
        let results = try await context.cancellingOnDisconnect { [self] in
            await withTaskGroup(of: (Int, BatchResult).self) { group in
                for (index, item) in body.requests.enumerated() {
                    group.addTask { (index, await run(item, requestID: requestID, arrival: arrival)) }
                }
                var results = [BatchResult?](repeating: nil, count: body.requests.count)
                for await (index, result) in group { results[index] = result }
                return results.map { $0! }
            }
        }
        return JSONBody.response(BatchResponse(results: results))
    }

    private func run(_ item: Result<BatchItem, any Error>, requestID: String,
                     arrival: ContinuousClock.Instant) async -> BatchResult {
        do {
            switch try item.get() {
            case .generate(let r):
                guard r.stream != true else {
                    throw EngineError.unsupportedValue(field: "stream", reason: "batch items are not streamed")
                }
                let result = try await service.generate(try WireMapping.job(r, timeout: configuration.requestTimeout, arrival: arrival))
                return BatchResult(status: 200, generate: WireMapping.response(result))
            case .classify(let r):
                let result = try await service.classify(WireMapping.job(r, timeout: configuration.requestTimeout, arrival: arrival))
                return BatchResult(status: 200, classify: WireMapping.response(result))
            }
        } catch {
            let apiError = APIMiddleware.map(error)
            return BatchResult(status: apiError.status.code,
                               error: ErrorDetail(code: apiError.code, message: apiError.message, requestID: requestID))
        }
    }
}

/// `BatchRequest` whose items decode one by one, so one malformed item (or one with an unknown field) becomes that
/// item's error.
struct LenientBatch: Decodable {
    struct Item: Decodable {
        let value: Result<BatchItem, any Error>
        init(from decoder: any Decoder) throws {
            // Other errors (the decoder's own, for bytes that are not JSON) fail the whole body, as a 400.
            do { value = .success(try BatchItem(from: decoder)) } catch let error as DecodingError {
                value = .failure(error)
            } catch let error as UnknownFieldError {
                value = .failure(error)
            }
        }
    }
    let requests: [Result<BatchItem, any Error>]

    enum CodingKeys: String, CodingKey { case requests }
    init(from decoder: any Decoder) throws {
        if let unknown = try decoder.container(keyedBy: AnyCodingKey.self).allKeys.map(\.stringValue)
            .filter({ $0 != "requests" }).sorted().first {
            throw UnknownFieldError(field: unknown)
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        requests = try container.decode([Item].self, forKey: .requests).map(\.value)
    }
}

/// Any key of a JSON object.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
