// Outermost middleware: assigns the request id, maps every thrown error to the one JSON error shape,
// writes one structured log line per request and records the HTTP metrics (task label: loaded names only).
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOHTTP1
import ServerAPI

struct APIMiddleware: RouterMiddleware {
    typealias Context = AlbumRequestContext
    let metrics: ServerMetrics
    let service: any InferenceService
    /// Route patterns by method (a `{param}` or `:param` segment matches any one segment), to answer 405 rather than
    /// 404 for a known path.
    let routes: [(method: HTTPRequest.Method, segments: [Substring])]

    init(metrics: ServerMetrics, service: any InferenceService, routes: [(HTTPRequest.Method, String)]) {
        self.metrics = metrics
        self.service = service
        self.routes = routes.map { ($0.0, $0.1.split(separator: "/")) }
    }

    /// Methods that have a route for `path`, sorted by name (the router lists them in no fixed order).
    func allowedMethods(for path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/")
        return routes.filter { route in
            route.segments.count == segments.count
                && zip(route.segments, segments).allSatisfy { Self.isParameter($0) || $0 == $1 }
        }.map(\.method).sorted { $0.rawValue < $1.rawValue }
    }

    /// Hummingbird describes a captured segment as `{name}`; `:name` is how routes are written.
    static func isParameter(_ segment: Substring) -> Bool {
        segment.hasPrefix(":") || (segment.hasPrefix("{") && segment.hasSuffix("}"))
    }

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let id = Self.clientRequestID(request.headers[.requestID]) ?? context.id
        context.requestID = id
        context.logger[metadataKey: "request_id"] = .string(id)
        let start = ContinuousClock.now
        var response: Response
        var errorCode: String?
        do {
            response = try await next(request, context)
        } catch {
            var apiError = Self.map(error)
            if apiError.status == .notFound, context.endpointPath == nil || context.endpointPath == "NotFound" {
                let allowed = allowedMethods(for: request.uri.path)
                if !allowed.isEmpty {
                    apiError = APIError(.methodNotAllowed, code: "method_not_allowed",
                                        message: "\(request.method.rawValue) is not allowed on \(request.uri.path)",
                                        headers: [.allow: allowed.map(\.rawValue).joined(separator: ", ")])
                }
            }
            errorCode = apiError.code
            if apiError.status.code >= 500 && apiError.status.code != 503 && apiError.status.code != 504 {
                context.logger.error("request failed", metadata: ["error": "\(error)"])
            }
            let body = ErrorBody(error: ErrorDetail(code: apiError.code, message: apiError.message, requestID: id))
            response = JSONBody.response(body, status: apiError.status, headers: apiError.headers)
        }
        response.headers[.requestID] = id
        let duration = ContinuousClock.now - start
        let route = context.endpointPath ?? "unmatched"
        let task = await metricLabel(task: context.labels.task)
        metrics.record(route: route, task: task, status: response.status.code, errorCode: errorCode,
                       duration: duration)
        context.logger.info("request", metadata: [
            "method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "route": "\(route)",
            "status": "\(response.status.code)", "task": "\(task)",
            "duration_ms": "\(String(format: "%.2f", Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000))",
        ])
        return response
    }

    /// The `task` label of a request's metrics: a loaded task's name, `(mixed)` for a batch over several tasks, ""
    /// for none, and `_unknown` for any other name, so clients cannot grow `/metrics` with names of their choosing.
    func metricLabel(task: String?) async -> String {
        guard let task else { return "" }
        if task == ServerMetrics.mixedTasks { return task }
        return await service.isServing(task: task) ? task : ServerMetrics.unknownTask
    }

    /// Accepts a client-supplied id of 1–128 visible ASCII characters; otherwise the server makes one.
    static func clientRequestID(_ value: String?) -> String? {
        guard let value, (1...128).contains(value.utf8.count),
              value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return value
    }

    /// Every error a handler can throw, as an `APIError`.
    static func map(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as EngineError: return error.apiError
        case let error as DecodingError: return .malformedJSON(JSONBody.describe(error))
        case let error as UnknownFieldError: return .unknownField(error)
        case let error as HTTPError:
            let code = switch error.status {
            case .notFound: "not_found"
            case .methodNotAllowed: "method_not_allowed"
            case .badRequest: "invalid_request"
            case .contentTooLarge: "payload_too_large"
            default: "http_\(error.status.code)"
            }
            return APIError(error.status, code: code, message: error.body ?? error.status.reasonPhrase,
                            headers: error.headers)
        // A body that breaks HTTP/1.1 framing (e.g. a bad chunk size) is the client's mistake.
        case is HTTPParserError:
            return .badRequest("the request is not valid HTTP/1.1")
        // NIO's too-many-bytes error (body over a `collect(upTo:)` limit) conforms to this.
        case let error as HTTPResponseError where error.status == .contentTooLarge:
            return .tooLarge("request body is too large")
        default:
            return APIError(.internalServerError, code: "internal_error", message: "internal error")
        }
    }
}
