// Prometheus metrics of the HTTP layer and the factory through which the engine reports its own
// (queue depth, batch rows and tokens, padding waste, tasks loaded, model info). `GET /metrics` emits the registry.
import Metrics
import Prometheus

/// One Prometheus registry for the whole server.
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// Factory for swift-metrics users (the engine); writes into `registry`.
    public let factory: PrometheusMetricsFactory

    static let latencyBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        .seconds(30),
    ]

    /// The `task` label of requests naming a task that is not loaded.
    public static let unknownTask = "_unknown"
    /// The `task` label of a batch over several tasks.
    public static let mixedTasks = "(mixed)"

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.latencyBuckets
        factory.valueHistogramBuckets = [
            "album_batch_rows": [1, 2, 4, 8, 16, 32, 64],
            "album_batch_encoder_tokens": [64, 128, 256, 512, 1024, 2048, 4096, 8192],
        ]
        self.factory = factory
    }

    static var requests: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "album", metricName: "http_requests", unitName: "total",
        helpText: "HTTP requests by route, task and status") }
    static var errors: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "album", metricName: "http_errors", unitName: "total",
        helpText: "HTTP error responses by route, task and error code") }
    static var latency: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "album", metricName: "http_request_duration", unitName: "seconds",
        helpText: "HTTP request latency by route and task") }

    /// Counts one finished HTTP request and its latency.
    func record(route: String, task: String, status: Int, errorCode: String?, duration: Duration) {
        registry.makeCounter(descriptor: Self.requests,
                             labels: [("route", route), ("task", task), ("status", String(status))]).increment()
        if let errorCode {
            registry.makeCounter(descriptor: Self.errors,
                                 labels: [("route", route), ("task", task), ("code", errorCode)]).increment()
        }
        registry.makeDurationHistogram(descriptor: Self.latency, labels: [("route", route), ("task", task)],
                                       buckets: Self.latencyBuckets).record(duration)
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }
}
