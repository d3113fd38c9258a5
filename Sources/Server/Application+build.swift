// Builds the Hummingbird application: router, middleware, controllers, and the engine as a lifecycle service so
// that SIGTERM first stops the HTTP server (in-flight requests finish), then drains the engine.
import Engine
import Hummingbird
import Logging
import ServiceLifecycle

/// The router with every Album route. Exposed separately so tests can drive it without a socket.
/// - Parameters:
///   - service: the engine (or any `InferenceService`).
///   - configuration: HTTP limits and timeouts.
///   - metrics: the registry `/metrics` exposes.
public func buildRouter(service: any InferenceService, configuration: ServerConfiguration,
                        metrics: ServerMetrics) -> Router<AlbumRequestContext> {
    // Routes are registered on an inner router first so that the middleware knows every (method, path) for 405s.
    let routes = Router(context: AlbumRequestContext.self)
    InferenceController(service: service, configuration: configuration).addRoutes(to: routes)
    TaskController(service: service, configuration: configuration).addRoutes(to: routes)
    HealthController(service: service, metrics: metrics).addRoutes(to: routes)
    let table = routes.routes.map { ($0.method, $0.path.description) }

    let router = Router(context: AlbumRequestContext.self)
    router.add(middleware: APIMiddleware(metrics: metrics, routes: table))
    InferenceController(service: service, configuration: configuration).addRoutes(to: router)
    TaskController(service: service, configuration: configuration).addRoutes(to: router)
    HealthController(service: service, metrics: metrics).addRoutes(to: router)
    return router
}

/// The application serving `service` on `configuration.host:port`.
/// - Parameters:
///   - services: lifecycle services to run beside the server (the engine); they shut down after it.
public func buildApplication(service: any InferenceService, configuration: ServerConfiguration,
                             metrics: ServerMetrics, services: [any Service] = [],
                             logger: Logger) -> some ApplicationProtocol {
    Application(
        router: buildRouter(service: service, configuration: configuration, metrics: metrics),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "album"),
        services: services,
        logger: logger)
}
