// `album serve`: loads one T5 and every task in the tasks directory, then serves them over HTTP until SIGTERM or
// SIGINT, which stop the listener, finish in-flight requests and drain the engine. Every option also reads an
// ALBUM_* environment variable; flags win over the environment, the environment over defaults.
import ArgumentParser
import Engine
import Foundation
import Kernels
import Logging
import Scheduling
import Server

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve every task of a tasks directory over HTTP from one resident T5.",
        discussion: """
        With no arguments, serves the bundled demo model and tasks (models/default, models/tasks).
        Environment variables (used when the flag is absent): ALBUM_MODEL, ALBUM_TASKS, ALBUM_HOST, ALBUM_PORT,
        ALBUM_THREADS, ALBUM_MAX_BATCH_ROWS, ALBUM_MAX_BATCH_TOKENS, ALBUM_MAX_WAIT_MS, ALBUM_QUEUE_SIZE,
        ALBUM_TIMEOUT_MS, ALBUM_MAX_BODY_BYTES, ALBUM_MAX_BATCH_ITEMS, ALBUM_MAX_INPUT_TOKENS, ALBUM_OVERFLOW,
        ALBUM_LOG_LEVEL.
        """)

    @Option(help: "Model directory (config.json, model.safetensors, tokenizer). Default: models/default.")
    var model: String?
    @Option(help: "Tasks directory (Album task folders and PEFT adapter folders). Default: models/tasks.")
    var tasks: String?
    @Option(help: "Address to listen on. Default: 127.0.0.1.")
    var host: String?
    @Option(help: "Port. Default: 8080.")
    var port: Int?
    @Option(help: "OpenBLAS threads for the model thread. Default: 1 per core, at most 2.")
    var threads: Int?
    @Option(name: .customLong("max-batch-rows"), help: "Most sequences running at once. Default: 16.")
    var maxBatchRows: Int?
    @Option(name: .customLong("max-batch-tokens"), help: "Most encoder positions per encoder pass. Default: 4096.")
    var maxBatchTokens: Int?
    @Option(name: .customLong("max-wait-ms"), help: "Longest wait for a partial batch when idle. Default: 0 (run at once; newcomers join at the next iteration).")
    var maxWaitMs: Int?
    @Option(name: .customLong("queue-size"), help: "Most waiting requests before 503. Default: 256.")
    var queueSize: Int?
    @Option(name: .customLong("timeout-ms"), help: "Request deadline before 504. Default: 30000.")
    var timeoutMs: Int?
    @Option(name: .customLong("max-body-bytes"), help: "Largest JSON body. Default: 1048576.")
    var maxBodyBytes: Int?
    @Option(name: .customLong("max-batch-items"), help: "Most items in /v1/batch. Default: 64.")
    var maxBatchItems: Int?
    @Option(name: .customLong("max-input-tokens"), help: "Input token limit for tasks that set none. Default: 512.")
    var maxInputTokens: Int?
    @Option(help: "Inputs over the limit: reject (422) or truncate. Default: reject.")
    var overflow: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error. Default: info.")
    var logLevel: String?

    /// Flag, else environment variable, else default.
    private func setting<T: LosslessStringConvertible>(_ flag: T?, _ env: String, _ fallback: T) throws -> T {
        if let flag { return flag }
        if let raw = ProcessInfo.processInfo.environment[env] {
            guard let value = T(raw) else { throw ValidationError("\(env)=\(raw) is not a valid value") }
            return value
        }
        return fallback
    }

    func run() async throws {
        let modelDir = try setting(model, "ALBUM_MODEL", "models/default")
        let tasksDir = try setting(tasks, "ALBUM_TASKS", "models/tasks")
        let levelName = try setting(logLevel, "ALBUM_LOG_LEVEL", "info")
        guard let level = Logger.Level(rawValue: levelName) else { throw ValidationError("unknown log level \(levelName)") }
        var logger = Logger(label: "album")
        logger.logLevel = level
        let overflowName = try setting(overflow, "ALBUM_OVERFLOW", "reject")
        guard let overflowPolicy = OverflowPolicy(rawValue: overflowName) else {
            throw ValidationError("overflow must be reject or truncate, got \(overflowName)")
        }
        let timeout = Duration.milliseconds(try setting(timeoutMs, "ALBUM_TIMEOUT_MS", 30_000))
        let policy = BatchPolicy(
            maxQueueSize: try setting(queueSize, "ALBUM_QUEUE_SIZE", 256),
            maxBatchRows: try setting(maxBatchRows, "ALBUM_MAX_BATCH_ROWS", 16),
            maxBatchTokens: try setting(maxBatchTokens, "ALBUM_MAX_BATCH_TOKENS", 4096),
            maxWait: .milliseconds(try setting(maxWaitMs, "ALBUM_MAX_WAIT_MS", 0)))
        let engineConfiguration = EngineConfiguration(
            policy: policy, maxInputTokens: try setting(maxInputTokens, "ALBUM_MAX_INPUT_TOKENS", 512),
            overflow: overflowPolicy, defaultTimeout: timeout)
        let serverConfiguration = ServerConfiguration(
            host: try setting(host, "ALBUM_HOST", "127.0.0.1"), port: try setting(port, "ALBUM_PORT", 8080),
            maxBodyBytes: try setting(maxBodyBytes, "ALBUM_MAX_BODY_BYTES", 1 << 20),
            maxBatchItems: try setting(maxBatchItems, "ALBUM_MAX_BATCH_ITEMS", 64), requestTimeout: timeout)
        BLAS.threads = try setting(threads, "ALBUM_THREADS", min(2, ProcessInfo.processInfo.activeProcessorCount))

        let metrics = ServerMetrics()
        let engine = try EngineLoader.load(
            modelDirectory: URL(fileURLWithPath: modelDir), tasksDirectory: URL(fileURLWithPath: tasksDir),
            configuration: engineConfiguration, metricsFactory: metrics.factory, logger: logger)
        for issue in await engine.registry.issues { logger.warning("task skipped", metadata: ["issue": "\(issue)"]) }
        logger.info("model loaded", metadata: [
            "model": "\(modelDir)", "tasks": "\(engine.registry.snapshot().taskNames)", "blas_core": "\(BLAS.coreName)",
            "blas_threads": "\(BLAS.threads)",
        ])
        let app = buildApplication(service: engine, configuration: serverConfiguration, metrics: metrics,
                                   services: [engine], logger: logger)
        try await app.runService()
    }
}
