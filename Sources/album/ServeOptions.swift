// The options of `album serve` and how each is resolved: the flag when given, else its ALBUM_* environment variable,
// else the default. Plain values only (no server types), so this file builds in the model-only variant and the
// precedence is testable without starting a server.
import ArgumentParser
import Kernels

struct ServeOptions: ParsableArguments {
    @Option(help: "Model directory (config.json, model.safetensors, tokenizer). Default: models/default.")
    var model: String?
    @Option(help: "Tasks directory (Album task folders and PEFT adapter folders). Default: models/tasks.")
    var tasks: String?
    @Option(name: .customLong("tasks-rescan-ms"), help: "Rescan the tasks directory this often and serve what changed (0: only on SIGHUP or POST /v1/tasks/reload). Default: 0.")
    var tasksRescanMs: Int?
    @Option(help: "Address to listen on. Default: 127.0.0.1.")
    var host: String?
    @Option(help: "Port. Default: 8080.")
    var port: Int?
    @Option(help: "Threads for the model, all workers together. Default: 1 per core, at most 2.")
    var threads: Int?
    @Option(help: "Linear-layer precision: fp32 (exact), bf16 (half the weight memory) or int8 (fastest). Default: fp32.")
    var precision: Precision?
    @Option(help: "Model threads over the one resident model, each with its own batch and threads/workers of the threads (1: latency; more: throughput on many cores). Default: 1.")
    var workers: Int?
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
    // Artifact and upload limits.
    @Option(name: .customLong("max-prompt-length"), help: "Most prompt rows a task may hold (422 beyond). Default: 1024.")
    var maxPromptLength: Int?
    @Option(name: .customLong("max-upload-bytes"), help: "Largest task upload, all files together (413 beyond). Default: 67108864.")
    var maxUploadBytes: Int?

    // Limits, connections and access (docs/security.md).
    @Option(name: .customLong("max-candidates"), help: "Most candidates of one classification (422 beyond). Default: 64.")
    var maxCandidates: Int?
    @Option(name: .customLong("max-candidate-tokens"), help: "Most tokens of one candidate (422 beyond). Default: 64.")
    var maxCandidateTokens: Int?
    @Option(name: .customLong("header-timeout-ms"), help: "Time to send a request's header before the connection closes. Default: 10000.")
    var headerTimeoutMs: Int?
    @Option(name: .customLong("body-timeout-ms"), help: "Time to send a request's body before the connection closes. Default: 30000.")
    var bodyTimeoutMs: Int?
    @Option(name: .customLong("idle-timeout-ms"), help: "Idle keep-alive connections close after this. Default: 60000.")
    var idleTimeoutMs: Int?
    @Option(name: .customLong("max-connections"), help: "Open connections served at once; more get 503. Default: 512.")
    var maxConnections: Int?
    @Option(name: .customLong("admin-token"), help: "Bearer token for PUT/DELETE /v1/tasks (prefer ALBUM_ADMIN_TOKEN: flags show in ps).")
    var adminToken: String?
    @Option(name: .customLong("api-token"), help: "Bearer token for the /v1 routes (prefer ALBUM_API_TOKEN). Default: none (open).")
    var apiToken: String?
    @Flag(name: .customLong("read-only"), help: "Disable task management (PUT/DELETE /v1/tasks answer 403).")
    var readOnly = false
    @Option(name: .customLong("log-format"), help: "text (one line per event, key=value metadata) or json (one JSON object per line). Default: text.")
    var logFormat: String?

    /// Every setting of `album serve`, resolved.
    struct Settings: Equatable {
        var model = "models/default"
        var tasks = "models/tasks"
        var tasksRescanMs = 0
        var host = "127.0.0.1"
        var port = 8080
        var threads: Int
        var precision = Precision.fp32
        var workers = 1
        var maxBatchRows = 16
        var maxBatchTokens = 4096
        var maxWaitMs = 0
        var queueSize = 256
        var timeoutMs = 30_000
        var maxBodyBytes = 1 << 20
        var maxBatchItems = 64
        var maxInputTokens = 512
        var overflow = "reject"
        var logLevel = "info"
        var maxCandidates = 64
        var maxCandidateTokens = 64
        var headerTimeoutMs = 10_000
        var bodyTimeoutMs = 30_000
        var idleTimeoutMs = 60_000
        var maxConnections = 512
        var adminToken: String?
        var apiToken: String?
        var readOnly = false
        var maxPromptLength = 1024
        var maxUploadBytes = 64 << 20
        var logFormat = "text"
    }

    /// Flag, else environment variable, else default.
    /// - Parameters:
    ///   - environment: the process environment (`ProcessInfo.processInfo.environment`).
    ///   - cores: active processor count, for the default thread count.
    /// - Throws: `ValidationError` naming the variable when an environment value does not parse.
    func resolved(environment: [String: String], cores: Int) throws -> Settings {
        func setting<T: LosslessStringConvertible>(_ flag: T?, _ name: String, _ fallback: T) throws -> T {
            if let flag { return flag }
            if let raw = environment[name] {
                guard let value = T(raw) else { throw ValidationError("\(name)=\(raw) is not a valid value") }
                return value
            }
            return fallback
        }
        let d = Settings(threads: min(2, cores))
        return Settings(
            model: try setting(model, "ALBUM_MODEL", d.model), tasks: try setting(tasks, "ALBUM_TASKS", d.tasks),
            tasksRescanMs: try setting(tasksRescanMs, "ALBUM_TASKS_RESCAN_MS", d.tasksRescanMs),
            host: try setting(host, "ALBUM_HOST", d.host), port: try setting(port, "ALBUM_PORT", d.port),
            threads: try setting(threads, "ALBUM_THREADS", d.threads),
            precision: try setting(precision, "ALBUM_PRECISION", d.precision),
            workers: try setting(workers, "ALBUM_WORKERS", d.workers),
            maxBatchRows: try setting(maxBatchRows, "ALBUM_MAX_BATCH_ROWS", d.maxBatchRows),
            maxBatchTokens: try setting(maxBatchTokens, "ALBUM_MAX_BATCH_TOKENS", d.maxBatchTokens),
            maxWaitMs: try setting(maxWaitMs, "ALBUM_MAX_WAIT_MS", d.maxWaitMs),
            queueSize: try setting(queueSize, "ALBUM_QUEUE_SIZE", d.queueSize),
            timeoutMs: try setting(timeoutMs, "ALBUM_TIMEOUT_MS", d.timeoutMs),
            maxBodyBytes: try setting(maxBodyBytes, "ALBUM_MAX_BODY_BYTES", d.maxBodyBytes),
            maxBatchItems: try setting(maxBatchItems, "ALBUM_MAX_BATCH_ITEMS", d.maxBatchItems),
            maxInputTokens: try setting(maxInputTokens, "ALBUM_MAX_INPUT_TOKENS", d.maxInputTokens),
            overflow: try setting(overflow, "ALBUM_OVERFLOW", d.overflow),
            logLevel: try setting(logLevel, "ALBUM_LOG_LEVEL", d.logLevel),
            maxCandidates: try setting(maxCandidates, "ALBUM_MAX_CANDIDATES", d.maxCandidates),
            maxCandidateTokens: try setting(maxCandidateTokens, "ALBUM_MAX_CANDIDATE_TOKENS", d.maxCandidateTokens),
            headerTimeoutMs: try setting(headerTimeoutMs, "ALBUM_HEADER_TIMEOUT_MS", d.headerTimeoutMs),
            bodyTimeoutMs: try setting(bodyTimeoutMs, "ALBUM_BODY_TIMEOUT_MS", d.bodyTimeoutMs),
            idleTimeoutMs: try setting(idleTimeoutMs, "ALBUM_IDLE_TIMEOUT_MS", d.idleTimeoutMs),
            maxConnections: try setting(maxConnections, "ALBUM_MAX_CONNECTIONS", d.maxConnections),
            adminToken: try Self.token(adminToken, "ALBUM_ADMIN_TOKEN", environment),
            apiToken: try Self.token(apiToken, "ALBUM_API_TOKEN", environment),
            readOnly: try readOnly || Self.flag("ALBUM_READ_ONLY", environment),
            maxPromptLength: try setting(maxPromptLength, "ALBUM_MAX_PROMPT_LENGTH", d.maxPromptLength),
            maxUploadBytes: try setting(maxUploadBytes, "ALBUM_MAX_UPLOAD_BYTES", d.maxUploadBytes),
            logFormat: try setting(logFormat, "ALBUM_LOG_FORMAT", d.logFormat))
    }

    /// A token from the flag or the environment; an empty value means none. Tokens must be visible ASCII.
    static func token(_ flag: String?, _ name: String, _ environment: [String: String]) throws -> String? {
        guard let value = flag ?? environment[name], !value.isEmpty else { return nil }
        guard value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw ValidationError("\(name): a token must be visible ASCII characters without spaces")
        }
        return value
    }

    /// An ALBUM_* boolean variable: 1/true/yes or 0/false/no (absent: false).
    static func flag(_ name: String, _ environment: [String: String]) throws -> Bool {
        guard let raw = environment[name] else { return false }
        switch raw.lowercased() {
        case "1", "true", "yes": return true
        case "0", "false", "no", "": return false
        default: throw ValidationError("\(name)=\(raw) is not a valid value")
        }
    }

    /// How `threads` are shared by `workers`: OpenBLAS's process-wide count (all threads for one worker; 1 for
    /// several, whose products then run side by side) and each worker's budget for Album's own kernel splits.
    /// - Throws: `ValidationError` unless 1 ≤ workers ≤ threads.
    static func threadPlan(threads: Int, workers: Int) throws -> (openBLAS: Int, perWorker: Int) {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard workers >= 1, workers <= threads else {
            throw ValidationError("--workers must be between 1 and --threads (\(threads)), got \(workers): each worker needs a thread of its own")
        }
        return workers == 1 ? (threads, threads) : (1, threads / workers)
    }
}
