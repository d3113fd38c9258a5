// Settings of the HTTP layer: address, body and batch limits, default request timeout, connection limits, tokens.
// `album serve` fills it from flags and environment variables (Sources/album/ServeCommand.swift).

/// Configuration of the HTTP server.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Largest JSON request body accepted (413 beyond).
    public var maxBodyBytes: Int
    /// Largest `PUT /v1/tasks/{name}` upload accepted (413 beyond): with only the artifact's own files accepted,
    /// also the most a task occupies on disk (`--max-upload-bytes`).
    public var maxUploadBytes: Int
    /// Most items in one `POST /v1/batch` (413 beyond).
    public var maxBatchItems: Int
    /// Deadline of a request that names none; 504 when it passes.
    public var requestTimeout: Duration

    // Connections and access (docs/security.md). Timeouts close the connection; beyond `maxConnections` a new
    // connection gets 503 and is closed at once.
    /// From the first byte of a request until its header is complete.
    public var headerTimeout: Duration = .seconds(10)
    /// From a request's header until its body is complete.
    public var bodyTimeout: Duration = .seconds(30)
    /// A keep-alive connection with no request in progress.
    public var idleTimeout: Duration = .seconds(60)
    /// Open connections served at once.
    public var maxConnections: Int = 512
    /// Bearer token for `PUT`/`DELETE /v1/tasks/…`; nil: none needed on loopback, task management refused elsewhere.
    public var adminToken: String?
    /// Bearer token for the inference and task-listing routes; nil: open. Health, readiness and metrics stay open.
    public var apiToken: String?
    /// Refuses task management (403) whatever the tokens.
    public var readOnly = false

    public init(host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 1 << 20,
                maxUploadBytes: Int = 64 << 20, maxBatchItems: Int = 64, requestTimeout: Duration = .seconds(30)) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.maxUploadBytes = maxUploadBytes
        self.maxBatchItems = maxBatchItems
        self.requestTimeout = requestTimeout
    }
}

extension ServerConfiguration {
    /// Whether `host` is a loopback address (only local processes can connect).
    public var bindsLoopbackOnly: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Why `PUT`/`DELETE /v1/tasks/…` is refused altogether; nil when it is allowed (with the admin token if set).
    public var taskManagementRefusal: String? {
        if readOnly { return "the server runs read-only (--read-only); task management is disabled" }
        if adminToken == nil && !bindsLoopbackOnly {
            return "task management is disabled on a non-loopback address without an admin token; set --admin-token or ALBUM_ADMIN_TOKEN"
        }
        return nil
    }
}
