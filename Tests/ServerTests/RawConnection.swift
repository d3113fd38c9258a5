// A plain TCP client for connection-level tests (timeouts, connection limits, declared sizes): it writes exactly the
// bytes a test gives, so it can trickle a header or stop mid-body, which an HTTP client library would not do. Blocking
// POSIX calls run on their own thread, never on the cooperative pool the server's handlers use.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class RawConnection: @unchecked Sendable {
    enum Failure: Error { case connect(Int32) }
    private let fd: Int32

    /// Connects to 127.0.0.1:`port`.
    init(port: Int) async throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.connect(errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw Failure.connect(errno)
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Closes both directions now (the client going away).
    func hangUp() { shutdown(fd, Int32(SHUT_RDWR)) }

    /// Writes `text`; false when the server already closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count
    }

    /// What the server sends until it closes the connection, and whether it closed within `timeout` (false: the
    /// connection was still open when the wait ended).
    func readUntilClosed(timeout: Duration) async -> (text: String, closed: Bool) {
        let fd = fd
        return await Self.onThread {
            let deadline = ContinuousClock.now.advanced(by: timeout)
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while ContinuousClock.now < deadline {
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let left = ContinuousClock.now.duration(to: deadline)
                let ms = Int32(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
                guard poll(&poller, 1, ms) > 0 else { continue }
                let count = recv(fd, &buffer, buffer.count, 0)
                if count <= 0 { return (String(decoding: received, as: UTF8.self), true) }
                received += buffer[0..<count]
            }
            return (String(decoding: received, as: UTF8.self), false)
        }
    }

    /// One response's head and body (`Content-Length` framed), read within `timeout`; nil when none came in time.
    func readResponse(timeout: Duration) async -> (status: Int, text: String)? {
        let fd = fd
        return await Self.onThread {
            let deadline = ContinuousClock.now.advanced(by: timeout)
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while ContinuousClock.now < deadline {
                let text = String(decoding: received, as: UTF8.self)
                if let split = text.range(of: "\r\n\r\n") {
                    let head = text[..<split.lowerBound].lowercased()
                    let length = head.components(separatedBy: "\r\n").first { $0.hasPrefix("content-length:") }
                        .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                    if text[split.upperBound...].utf8.count >= length,
                       let status = Int(text.split(separator: " ").dropFirst().first ?? "") {
                        return (status, text)
                    }
                }
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 20) > 0 else { continue }
                let count = recv(fd, &buffer, buffer.count, 0)
                if count <= 0 { return nil }
                received += buffer[0..<count]
            }
            return nil
        }
    }

    /// Everything received so far on this connection (across `read(until:)` calls).
    private let received = NSLock()
    private var receivedText: [UInt8] = []

    /// Reads until what this connection has received in all holds `done`, or `timeout` passes; returns all of it.
    /// For a response written in pieces (Server-Sent Events): each call waits for the next piece.
    func read(until done: @escaping @Sendable (String) -> Bool, timeout: Duration) async -> String {
        let fd = fd
        return await Self.onThread { [self] in
            let deadline = ContinuousClock.now.advanced(by: timeout)
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let text = received.withLock { String(decoding: receivedText, as: UTF8.self) }
                if done(text) || ContinuousClock.now >= deadline { return text }
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 20) > 0 else { continue }
                let count = recv(fd, &buffer, buffer.count, 0)
                if count <= 0 { return text }
                received.withLock { receivedText += buffer[0..<count] }
            }
        }
    }

    private static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.start()
        }
    }
}
