// `album serve`: loads one T5 and every task in the tasks directory, then serves them over HTTP until SIGTERM or
// SIGINT, which drain the engine (in-flight requests finish, /readyz answers 503), stop the listener and exit 0.
// Every option also reads an ALBUM_* environment variable (ServeOptions.swift); flags win over the environment,
// the environment over defaults.
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
        SIGHUP, POST /v1/tasks/reload and --tasks-rescan-ms reload what changed in the tasks directory.
        Environment variables (used when the flag is absent): ALBUM_MODEL, ALBUM_TASKS, ALBUM_TASKS_RESCAN_MS, ALBUM_HOST, ALBUM_PORT,
        ALBUM_THREADS, ALBUM_WORKERS, ALBUM_MAX_BATCH_ROWS, ALBUM_MAX_BATCH_TOKENS, ALBUM_MAX_WAIT_MS, ALBUM_QUEUE_SIZE,
        ALBUM_TIMEOUT_MS, ALBUM_MAX_BODY_BYTES, ALBUM_MAX_BATCH_ITEMS, ALBUM_MAX_INPUT_TOKENS, ALBUM_OVERFLOW,
        ALBUM_LOG_LEVEL, ALBUM_MAX_CANDIDATES, ALBUM_MAX_CANDIDATE_TOKENS, ALBUM_HEADER_TIMEOUT_MS,
        ALBUM_BODY_TIMEOUT_MS, ALBUM_IDLE_TIMEOUT_MS, ALBUM_MAX_CONNECTIONS, ALBUM_ADMIN_TOKEN, ALBUM_API_TOKEN,
        ALBUM_READ_ONLY, ALBUM_MAX_PROMPT_LENGTH, ALBUM_MAX_UPLOAD_BYTES, ALBUM_LOG_FORMAT.
        On an address other than loopback, task management (PUT/DELETE /v1/tasks) needs an admin token and is
        refused without one; see docs/security.md.
        """)

    @OptionGroup var options: ServeOptions

    func run() async throws {
        // SIGHUP reloads the tasks (TaskReloadService); until that service traps it, ignore it rather than exit.
        signal(SIGHUP, SIG_IGN)
        let settings = try options.resolved(environment: ProcessInfo.processInfo.environment,
                                            cores: ProcessInfo.processInfo.activeProcessorCount)
        guard let level = Logger.Level(rawValue: settings.logLevel) else {
            throw ValidationError("unknown log level \(settings.logLevel)")
        }
        switch settings.logFormat {
        case "text": break
        case "json": LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
        default: throw ValidationError("log format must be text or json, got \(settings.logFormat)")
        }
        var logger = Logger(label: "album")
        logger.logLevel = level
        guard let overflowPolicy = OverflowPolicy(rawValue: settings.overflow) else {
            throw ValidationError("overflow must be reject or truncate, got \(settings.overflow)")
        }
        guard settings.tasksRescanMs >= 0 else { throw ValidationError("--tasks-rescan-ms must be 0 (off) or positive") }
        let timeout = Duration.milliseconds(settings.timeoutMs)
        let policy = BatchPolicy(
            maxQueueSize: settings.queueSize, maxBatchRows: settings.maxBatchRows,
            maxBatchTokens: settings.maxBatchTokens, maxWait: .milliseconds(settings.maxWaitMs))
        let plan = try ServeOptions.threadPlan(threads: settings.threads, workers: settings.workers)
        let engineConfiguration = EngineConfiguration(
            policy: policy, maxInputTokens: settings.maxInputTokens, overflow: overflowPolicy,
            maxCandidates: settings.maxCandidates, maxCandidateTokens: settings.maxCandidateTokens, defaultTimeout: timeout,
            workers: settings.workers, threadsPerWorker: plan.perWorker)
        var serverConfiguration = ServerConfiguration(
            host: settings.host, port: settings.port, maxBodyBytes: settings.maxBodyBytes,
            maxUploadBytes: settings.maxUploadBytes, maxBatchItems: settings.maxBatchItems, requestTimeout: timeout)
        serverConfiguration.headerTimeout = .milliseconds(settings.headerTimeoutMs)
        serverConfiguration.bodyTimeout = .milliseconds(settings.bodyTimeoutMs)
        serverConfiguration.idleTimeout = .milliseconds(settings.idleTimeoutMs)
        serverConfiguration.maxConnections = settings.maxConnections
        serverConfiguration.adminToken = settings.adminToken
        serverConfiguration.apiToken = settings.apiToken
        serverConfiguration.readOnly = settings.readOnly
        guard settings.maxPromptLength > 0, settings.maxUploadBytes > 0 else {
            throw ValidationError("max-prompt-length and max-upload-bytes must be positive")
        }
        // OpenBLAS gets every thread with one fp32/bf16 worker; several workers or int8 pin it to one thread (each
        // worker's own kernels then split over its budget: `BLAS.withThreadBudget` in the engine, `KernelThreads`).
        KernelThreads.configure(threads: plan.openBLAS, precision: settings.precision)
        let modelDir = settings.model, tasksDir = settings.tasks

        let metrics = ServerMetrics()
        let engine = try EngineLoader.load(
            modelDirectory: URL(fileURLWithPath: modelDir), tasksDirectory: URL(fileURLWithPath: tasksDir),
            configuration: engineConfiguration, maxPromptLength: settings.maxPromptLength, precision: settings.precision,
            metricsFactory: metrics.factory, logger: logger)
        if settings.precision != .fp32 { AllocatorTuning.releaseFreedPages() }
        for issue in engine.registry.issues {
            logger.warning("task skipped", metadata: ["task": "\(issue.entry)", "error": "\(issue.error)"])
        }
        logger.info("model loaded", metadata: [
            "model": "\(modelDir)", "tasks": "\(engine.registry.snapshot().taskNames)", "blas_core": "\(BLAS.coreName)",
            "blas_threads": "\(BLAS.threads)", "workers": "\(settings.workers)",
            "threads_per_worker": "\(plan.perWorker)",
        ])
        if let refusal = serverConfiguration.taskManagementRefusal {
            logger.notice("task management disabled", metadata: ["reason": "\(refusal)"])
        }
        // Started before the listener opens, so that no early request finds the engine not running.
        engine.start()
        let app = buildApplication(service: engine, configuration: serverConfiguration, metrics: metrics, logger: logger)
        let reloader = TaskReloadService(
            interval: settings.tasksRescanMs > 0 ? .milliseconds(settings.tasksRescanMs) : nil, logger: logger,
            reload: { try await engine.reloadTasks() })
        try await makeServiceGroup(application: app, engine: engine, beside: [reloader], logger: logger).run()
    }
}
