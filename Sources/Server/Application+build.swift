// Builds the Hummingbird application (router, middleware, controllers, guarded HTTP/1.1 connections) and the service
// group `album serve` runs, in which SIGTERM first drains the engine (readiness fails, in-flight requests finish), then stops the HTTP server.
import Engine
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
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
    addControllers(to: routes, service: service, configuration: configuration, metrics: metrics)
    let table = routes.routes.map { ($0.method, $0.path.description) }

    let router = Router(context: AlbumRequestContext.self)
    router.add(middleware: APIMiddleware(metrics: metrics, service: service, routes: table))
    router.add(middleware: AccessMiddleware(configuration: configuration))
    router.add(middleware: RequestShapeMiddleware(configuration: configuration))
    addControllers(to: router, service: service, configuration: configuration, metrics: metrics)
    return router
}

private func addControllers(to router: Router<AlbumRequestContext>, service: any InferenceService,
                            configuration: ServerConfiguration, metrics: ServerMetrics) {
    InferenceController(service: service, configuration: configuration).addRoutes(to: router)
    OpenAIController(service: service, configuration: configuration).addRoutes(to: router)
    TokenizerController(service: service, configuration: configuration).addRoutes(to: router)
    TaskController(service: service, configuration: configuration).addRoutes(to: router)
    TaskReloadController(service: service).addRoutes(to: router)
    HealthController(service: service, metrics: metrics).addRoutes(to: router)
}

/// The application serving `service` on `configuration.host:port`.
/// - Parameters:
///   - services: lifecycle services to run beside the server; they shut down after it. `album serve` passes none and
///     runs the engine through `makeServiceGroup`, which drains the engine first.
///   - onServerRunning: called with the listening channel once the server accepts connections (its local address
///     holds the port when `configuration.port` is 0).
public func buildApplication(service: any InferenceService, configuration: ServerConfiguration,
                             metrics: ServerMetrics, services: [any Service] = [], logger: Logger,
                             onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in })
    -> some ApplicationProtocol
{
    let connections = ConnectionCount()
    return Application(
        router: buildRouter(service: service, configuration: configuration, metrics: metrics),
        server: HTTPServerBuilder { responder in
            GuardedHTTP1Channel(responder: responder, configuration: configuration, connections: connections)
        },
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "album"),
        services: services,
        onServerRunning: onServerRunning,
        logger: logger)
}

/// What `album serve` runs: the HTTP application and the engine. Graceful shutdown (SIGTERM or SIGINT when
/// `handlesSignals`, or `triggerGracefulShutdown()`) drains the engine first: `/readyz` answers 503 and new inference
/// requests get 503 `shutting_down` while queued and running requests finish. Then the HTTP server stops listening,
/// writes its last responses and closes; `run()` returns once both have stopped. (A service group shuts its services
/// down in reverse order, hence the engine comes last.)
///   - beside: services that stop first (the task reloader), so no reload runs while the engine drains.
public func makeServiceGroup(application: some ApplicationProtocol, engine: any Service, beside: [any Service] = [],
                             logger: Logger, handlesSignals: Bool = true) -> ServiceGroup {
    ServiceGroup(configuration: .init(
        services: [application, engine] + beside, gracefulShutdownSignals: handlesSignals ? [.sigterm, .sigint] : [],
        logger: logger))
}
