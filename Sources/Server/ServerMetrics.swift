// Prometheus metrics of the HTTP layer and the factory through which the engine reports its own
// (queue depth, batch rows and tokens, padding waste, tasks loaded, model info). `GET /metrics` emits the registry.
import Foundation
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

    /// Help of the metrics the engine reports through swift-metrics, which carries no help text.
    static let engineHelp: [String: String] = [
        "album_engine_requests_total": "Engine requests by task and outcome (ok, deadline_exceeded, cancelled, internal_error)",
        "album_queue_depth": "Requests waiting for a row",
        "album_running_sequences": "Rows in use",
        "album_batch_rows": "Requests admitted per encoder pass",
        "album_batch_encoder_tokens": "Encoder positions (prompt + input) per encoder pass",
        "album_encoder_tokens_total": "Useful encoder positions computed",
        "album_engine_iterations_total": "Encoder passes",
        "album_tasks_loaded": "Tasks served",
        "album_model_info": "The resident model (always 1)",
        "album_engine_workers": "Model threads serving requests",
    ]

    /// The Prometheus text exposition of every metric, each family with a `# HELP` line.
    public func exposition() -> [UInt8] {
        Array(Self.addingHelp(to: String(decoding: registry.emitToBuffer(), as: UTF8.self)).utf8)
    }

    /// Inserts `# HELP name …` before each `# TYPE name …` that has none (names without help text get their name).
    public static func addingHelp(to text: String) -> String {
        var lines: [Substring] = []
        var helped: Set<Substring> = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let words = line.split(separator: " ")
            if words.count >= 3, words[0] == "#", words[1] == "HELP" { helped.insert(words[2]) }
            if words.count >= 3, words[0] == "#", words[1] == "TYPE", !helped.contains(words[2]) {
                let name = String(words[2])
                lines.append(Substring("# HELP \(name) \(engineHelp[name] ?? name.replacingOccurrences(of: "_", with: " "))"))
                helped.insert(words[2])
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
