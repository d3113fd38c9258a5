// Server-Sent Events (text/event-stream): a 200 response whose body is written while the work runs. The producer
// runs in a task that is cancelled when the client disconnects or stops reading, which cancels the engine request.
import Foundation
import HTTPTypes
import Hummingbird

enum EventStream {
    /// A streaming response; `produce` calls `send` with each encoded event and returns when the stream is over.
    static func response(context: AlbumRequestContext,
                         produce: @escaping @Sendable (_ send: @escaping @Sendable (ByteBuffer) -> Void) async -> Void)
        -> Response
    {
        let (buffers, sink) = AsyncStream<ByteBuffer>.makeStream()
        let pump = Task {
            _ = try? await context.cancellingOnDisconnect { await produce { sink.yield($0) } }
            sink.finish()
        }
        sink.onTermination = { _ in pump.cancel() }  // the writer stopped: the client is gone
        return Response(status: .ok,
                        headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"],
                        body: ResponseBody(asyncSequence: buffers))
    }

    /// `event: name` (when given) and `data: <json>`, then the blank line that ends an event.
    static func event<T: Encodable>(_ name: String?, _ value: T) -> ByteBuffer {
        var buffer = ByteBuffer(string: name.map { "event: \($0)\n" } ?? "")
        buffer.writeString("data: ")
        // A value holding a non-finite number cannot be JSON: the event says so instead (the stream stays valid).
        var json = JSONBody.encode(value)
            ?? ByteBuffer(string: #"{"error":{"code":"internal_error","message":"the result held a non-finite number"}}"#)
        buffer.writeBuffer(&json)
        buffer.writeString("\n\n")
        return buffer
    }

    /// OpenAI's end of stream.
    static let done = ByteBuffer(string: "data: [DONE]\n\n")
}
