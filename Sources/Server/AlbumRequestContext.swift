// Per-request context: Hummingbird's core storage plus the request id and a slot in which handlers record the
// task name so that the metrics middleware can label requests by task.
import Hummingbird
import NIOCore
import NIOConcurrencyHelpers

/// Reference slot shared between a handler and the middleware around it (the context itself is a value).
public final class RequestLabels: Sendable {
    private let box = NIOLockedValueBox<String?>(nil)
    public init() {}
    /// Task named by the request, when known.
    public var task: String? {
        get { box.withLockedValue { $0 } }
        set { box.withLockedValue { $0 = newValue } }
    }
}

/// The request context of Album's router.
public struct AlbumRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Id echoed in `X-Request-ID` and in error bodies; taken from the client's `X-Request-ID` when valid.
    public var requestID: String
    public let labels = RequestLabels()
    /// The connection, watched so that work for a client that went away is cancelled.
    public let channel: (any Channel)?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = ""
        self.channel = source.channel
    }

    /// Runs `body` in a child task that is cancelled when the client's connection closes (Hummingbird does not
    /// cancel handlers on disconnect), so a queued or running request stops using the model.
    public func cancellingOnDisconnect<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        guard let channel else { return try await body() }
        return try await DisconnectWatcher.cancellingOnDisconnect(channel: channel, body)
    }

    /// Request bodies are read by the handlers with their own limits.
    public var maxUploadSize: Int { 64 << 20 }
}
