// `POST /v1/generate`, `POST /v1/classify`, `POST /v1/batch`: decode, hand to the engine, encode.
// Batch items run concurrently (so the scheduler can batch them) and fail independently. The deadline runs from the
// request's arrival, for every item of a batch alike.
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
        let job = WireMapping.job(body, timeout: configuration.requestTimeout, arrival: arrival)
        let result = try await context.cancellingOnDisconnect { [service] in try await service.generate(job) }
        return JSONBody.response(WireMapping.response(result))
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
        context.labels.task = tasks.count == 1 ? tasks.first : ServerMetrics.mixedTasks
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

    private func run(_ item: Result<BatchItem, DecodingError>, requestID: String,
                     arrival: ContinuousClock.Instant) async -> BatchResult {
        do {
            switch try item.get() {
            case .generate(let r):
                let result = try await service.generate(WireMapping.job(r, timeout: configuration.requestTimeout, arrival: arrival))
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

/// `BatchRequest` whose items decode one by one, so one malformed item becomes that item's error.
struct LenientBatch: Decodable {
    struct Item: Decodable {
        let value: Result<BatchItem, DecodingError>
        init(from decoder: any Decoder) throws {
            do { value = .success(try BatchItem(from: decoder)) } catch let error as DecodingError {
                value = .failure(error)
            }
        }
    }
    let requests: [Result<BatchItem, DecodingError>]

    enum CodingKeys: String, CodingKey { case requests }
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        requests = try container.decode([Item].self, forKey: .requests).map(\.value)
    }
}
