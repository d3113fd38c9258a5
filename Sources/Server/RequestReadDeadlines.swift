// Per-connection read deadlines against slow clients (slow-loris): from the first byte of a request until its header
// is complete (`headerTimeout`), and from the header until the body's end (`bodyTimeout`). Either passing closes the
// connection. `RawBytesWatcher` (first in the pipeline) reports raw bytes; this handler, after HTTP decoding, sees
// where the request stands, and closes the connection after a response marked `Connection: close`. Both run on the
// connection's event loop only.
import HummingbirdCore
import NIOCore

final class RequestReadDeadlines: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPConnectionStateHandler.InboundIn
    typealias InboundOut = HTTPConnectionStateHandler.InboundIn
    typealias OutboundIn = HTTPConnectionStateHandler.OutboundIn
    typealias OutboundOut = HTTPConnectionStateHandler.OutboundIn

    private enum Phase { case betweenRequests, readingHeader, readingBody }

    let headerTimeout: TimeAmount
    let bodyTimeout: TimeAmount
    private var phase = Phase.betweenRequests
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    /// The response being written says `Connection: close` (e.g. a 413 before the body was read): the connection
    /// closes once it is written, instead of Hummingbird reading and discarding the rest of the body.
    private var closeAfterResponse = false

    init(headerTimeout: Duration, bodyTimeout: Duration) {
        self.headerTimeout = TimeAmount(headerTimeout)
        self.bodyTimeout = TimeAmount(bodyTimeout)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
    }

    /// Raw bytes arrived (before decoding): the first ones of a request start its header deadline.
    func bytesArrived() {
        guard phase == .betweenRequests else { return }
        phase = .readingHeader
        arm(headerTimeout)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            phase = .readingBody
            arm(bodyTimeout)
        case .body: break
        case .end:
            phase = .betweenRequests
            timer?.cancel()
            timer = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let response):
            if response.headerFields[.connection]?.lowercased() == "close" { closeAfterResponse = true }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            guard closeAfterResponse else { return context.write(data, promise: promise) }
            let channel = context.channel
            context.writeAndFlush(data).whenComplete { result in
                promise?.completeWith(result)
                channel.close(promise: nil)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    private func arm(_ timeout: TimeAmount) {
        timer?.cancel()
        guard let context else { return }
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }
}

/// First in a connection's pipeline: tells `RequestReadDeadlines` when raw bytes arrive.
final class RawBytesWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    let deadlines: RequestReadDeadlines

    init(deadlines: RequestReadDeadlines) { self.deadlines = deadlines }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        deadlines.bytesArrived()
        context.fireChannelRead(data)
    }
}
