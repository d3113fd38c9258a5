// `GET /healthz`, `GET /readyz`, `GET /metrics` (Prometheus text format), `GET /openapi.json`.
import Engine
import Hummingbird
import ServerAPI

struct HealthController {
    let service: any InferenceService
    let metrics: ServerMetrics

    func addRoutes(to router: Router<AlbumRequestContext>) {
        router.get("/healthz") { _, _ in JSONBody.response(HealthStatus(status: "ok")) }
        router.get("/readyz") { _, _ in
            let readiness = await service.readiness()
            return JSONBody.response(
                HealthStatus(status: readiness.isReady ? "ready" : "not_ready", model: readiness.model,
                             tasks: readiness.tasks),
                status: readiness.isReady ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
    }
}
