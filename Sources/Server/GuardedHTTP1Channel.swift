// Hummingbird's HTTP/1.1 child channel with Album's connection limits around it: at most `maxConnections` open
// connections (one more is answered 503 and closed at once, so it holds a file descriptor only for that moment),
// and `RequestReadDeadlines` cutting a request whose header or body arrives too slowly. The idle timeout between
// requests is Hummingbird's own.
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore

struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let http: HTTP1Channel
    let configuration: ServerConfiguration
    let connections: ConnectionCount

    init(responder: @escaping HTTPChannelHandler.Responder, configuration: ServerConfiguration,
         connections: ConnectionCount) {
        let headerTimeout = configuration.headerTimeout, bodyTimeout = configuration.bodyTimeout
        self.http = HTTP1Channel(responder: responder, configuration: .init(
            additionalChannelHandlers: [RequestReadDeadlines(headerTimeout: headerTimeout, bodyTimeout: bodyTimeout)],
            idleTimeout: TimeAmount(configuration.idleTimeout)))
        self.configuration = configuration
        self.connections = connections
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let admitted = connections.open(limit: configuration.maxConnections)
        if admitted {
            channel.closeFuture.whenComplete { [connections] _ in connections.close() }
        }
        return http.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            if admitted {
                let deadlines = try pipeline.handler(type: RequestReadDeadlines.self)
                try pipeline.addHandler(RawBytesWatcher(deadlines: deadlines), position: .first)
            } else {
                logger.warning("connection refused: too many open connections",
                               metadata: ["max_connections": "\(configuration.maxConnections)"])
                try pipeline.addHandler(ConnectionRefuser(), position: .first)
            }
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http.handle(value: value, logger: logger)
    }
}

/// Open connections, shared by every child channel of one server.
final class ConnectionCount: Sendable {
    private let count = NIOLockedValueBox(0)

    /// Counts a new connection when fewer than `limit` are open; false (nothing counted) otherwise.
    func open(limit: Int) -> Bool {
        count.withLockedValue { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func close() { count.withLockedValue { $0 -= 1 } }

    var current: Int { count.withLockedValue { $0 } }
}

/// First in the pipeline of a connection over the limit: answers 503 in the one error shape, swallows whatever the
/// client sends, and closes.
final class ConnectionRefuser: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    static let response: String = {
        let body = #"{"error":{"code":"too_many_connections","message":"the server has too many open connections; retry later"}}"#
        return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\nRetry-After: 1\r\n"
            + "Connection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
    }()

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { refuse(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        refuse(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    private var refused = false

    private func refuse(_ context: ChannelHandlerContext) {
        guard !refused else { return }
        refused = true
        let channel = context.channel
        context.writeAndFlush(NIOAny(ByteBuffer(string: Self.response))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
