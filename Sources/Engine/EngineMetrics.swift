// The engine's own metrics (swift-metrics API, so any backend works; the server passes its Prometheus factory):
// queue depth, running rows, batch rows and encoder tokens, tasks loaded, model info. The encoder packs rows, so
// there is no padding to report.
import CoreMetrics
import Metrics

/// Metric handles the engine updates once per iteration.
struct EngineMetrics: Sendable {
    let factory: any MetricsFactory
    let queueDepth: Gauge
    let running: Gauge
    let batchRows: Recorder
    let batchTokens: Recorder
    let encoderTokens: Counter
    let tasksLoaded: Gauge
    let iterations: Counter

    init(factory: any MetricsFactory, model: String, dModel: Int, workers: Int) {
        self.factory = factory
        queueDepth = Gauge(label: "album_queue_depth", factory: factory)
        running = Gauge(label: "album_running_sequences", factory: factory)
        batchRows = Recorder(label: "album_batch_rows", dimensions: [], aggregate: true, factory: factory)
        batchTokens = Recorder(label: "album_batch_encoder_tokens", dimensions: [], aggregate: true, factory: factory)
        encoderTokens = Counter(label: "album_encoder_tokens_total", factory: factory)
        tasksLoaded = Gauge(label: "album_tasks_loaded", factory: factory)
        iterations = Counter(label: "album_engine_iterations_total", factory: factory)
        Gauge(label: "album_model_info", dimensions: [("model", model), ("d_model", String(dModel))], factory: factory)
            .record(1)
        Gauge(label: "album_engine_workers", factory: factory).record(workers)
    }

    /// Counts a reload of the tasks directory and records how many entries it skipped.
    func reloaded(changed: Bool, skipped: Int) {
        Counter(label: "album_task_reloads_total", dimensions: [("result", changed ? "changed" : "unchanged")],
                factory: factory).increment()
        Gauge(label: "album_task_reload_skipped", factory: factory).record(skipped)
    }

    /// Counts a finished request by task and outcome (`ok`, or an error code).
    func finished(task: String, outcome: String) {
        Counter(label: "album_engine_requests_total", dimensions: [("task", task), ("outcome", outcome)],
                factory: factory).increment()
    }
}
