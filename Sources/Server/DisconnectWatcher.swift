// Notices when a client goes away while its request is being served. Hummingbird does not cancel a handler when
// its connection closes, and it enables remote half-closure, so a client that disconnects shows up only as an
// `inputClosed` event (or the channel going inactive). This handler sits first in the connection's pipeline and
// runs the callbacks registered by in-flight requests; like nginx's 499, a half-close counts as going away.
import NIOConcurrencyHelpers
import NIOCore

final class DisconnectWatcher: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    // Touched only on the channel's event loop.
    private var isClosed = false
    private var callbacks: [UInt64: @Sendable () -> Void] = [:]
    private var nextToken: UInt64 = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { fire() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fire()
        context.fireChannelInactive()
    }

    private func fire() {
        guard !isClosed else { return }
        isClosed = true
        let pending = callbacks.values
        callbacks = [:]
        for callback in pending { callback() }
    }

    /// Registers `callback` for the channel's disconnect (runs at once if it already happened). Returns a token for
    /// `remove`. Must run on the event loop.
    private func add(_ callback: @escaping @Sendable () -> Void) -> UInt64? {
        if isClosed {
            callback()
            return nil
        }
        nextToken += 1
        callbacks[nextToken] = callback
        return nextToken
    }

    private func remove(_ token: UInt64) { callbacks[token] = nil }

    /// Runs `body`, cancelling it when the client of `channel` disconnects. The watcher listens before `body`
    /// starts, so a client that leaves the moment its request is queued is still seen.
    static func cancellingOnDisconnect<T: Sendable>(channel: any Channel,
                                                    _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let relay = CancelRelay()
        let registration = channel.eventLoop.submit { () -> (DisconnectWatcher, UInt64?) in
            let pipeline = channel.pipeline.syncOperations
            let watcher: DisconnectWatcher
            if let existing = try? pipeline.handler(type: DisconnectWatcher.self) {
                watcher = existing
            } else {
                watcher = DisconnectWatcher()
                try pipeline.addHandler(watcher, position: .first)
            }
            return (watcher, watcher.add { relay.cancel() })
        }
        let registered = try? await registration.get()
        defer {
            if let (watcher, token) = registered, let token {
                channel.eventLoop.execute { watcher.remove(token) }
            }
        }
        let task = Task { try await body() }
        relay.attach(task)
        return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
    }
}

/// Carries a disconnect to a task that may not exist yet: a cancel that arrives first is applied on `attach`.
private final class CancelRelay: Sendable {
    private enum State { case waiting, cancelled, attached(cancel: @Sendable () -> Void) }
    private let state = NIOLockedValueBox<State>(.waiting)

    func cancel() {
        let action: (@Sendable () -> Void)? = state.withLockedValue { state in
            switch state {
            case .waiting:
                state = .cancelled
                return nil
            case .cancelled: return nil
            case .attached(let cancel): return cancel
            }
        }
        action?()
    }

    func attach<T: Sendable>(_ task: Task<T, any Error>) {
        let cancelNow = state.withLockedValue { state -> Bool in
            if case .cancelled = state { return true }
            state = .attached(cancel: { task.cancel() })
            return false
        }
        if cancelNow { task.cancel() }
    }
}
