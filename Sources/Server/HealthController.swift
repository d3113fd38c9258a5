// `GET|HEAD /healthz`, `GET|HEAD /readyz`, `GET|HEAD /metrics` (Prometheus text format), `GET /openapi.json`.
// Ready means the model is loaded and the engine serves: a server with no tasks yet is ready (it runs the base
// model and waits for its first upload); the task count stays in the body.
import Engine
import Hummingbird
import ServerAPI

struct HealthController {
    let service: any InferenceService
    let metrics: ServerMetrics

    func addRoutes(to router: Router<AlbumRequestContext>) {
        let health: @Sendable () async -> Response = { JSONBody.response(HealthStatus(status: "ok")) }
        let ready: @Sendable () async -> Response = { [service] in
            let readiness = await service.readiness()
            return JSONBody.response(
                HealthStatus(status: readiness.isReady ? "ready" : "not_ready", model: readiness.model,
                             tasks: readiness.tasks, precision: readiness.precision, workers: readiness.workers),
                status: readiness.isReady ? .ok : .serviceUnavailable)
        }
        let exposition: @Sendable () async -> Response = { [metrics] in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
        for (path, make) in [("/healthz", health), ("/readyz", ready), ("/metrics", exposition)] {
            router.get(RouterPath(path)) { _, _ in await make() }
            // HEAD: the same status and headers, no body (load balancers and probes that only look at the status).
            router.head(RouterPath(path)) { _, _ in
                let full = await make()
                var headers = full.headers
                headers[.contentLength] = full.body.contentLength.map(String.init)
                return Response(status: full.status, headers: headers)
            }
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
    }
}
