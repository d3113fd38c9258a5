// Settings of the HTTP layer: address, body and batch limits, default request timeout.
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
