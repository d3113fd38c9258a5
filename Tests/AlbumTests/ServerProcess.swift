// `album serve` as a child process for end-to-end tests: output collected in a file, the listening port read from
// the start-up log line, requests over plain loopback sockets, signals, and a bounded wait for the exit.
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

final class ServerProcess {
    /// False only when `album --help` works and lists no `serve` (the model-only variant of the package leaves it
    /// out); any other trouble runs the tests, which then fail loudly.
    static let serveIsBuilt: Bool = {
        guard let help = try? CLIRunner.runBlocking(["--help"], environment: [:]), help.status == 0 else { return true }
        return help.stdout.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("serve ") }
    }()

    let process = Process()
    let logFile: URL

    /// Starts `album arguments...` in the repository root; `environment` overrides inherited variables (nil removes).
    init(_ arguments: [String], environment: [String: String?] = [:]) throws {
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("album-serve-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logFile)
        process.executableURL = try CLIRunner.binary
        process.arguments = arguments
        process.currentDirectoryURL = CLIRunner.repositoryRoot
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: logFile)
    }

    /// Everything the process wrote so far (stdout and stderr).
    var output: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Polls `condition` every 20 ms; throws when it is still false after `timeout`.
    static func poll(timeout: Duration, _ what: String, _ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while try !condition() {
            try #require(ContinuousClock.now < deadline, "timed out after \(timeout) waiting for \(what)")
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The port from Hummingbird's "Server started and listening on HOST:PORT" line.
    func port(timeout: Duration = .seconds(300)) async throws -> Int {
        var port: Int?
        try await Self.poll(timeout: timeout, "the server to listen; output so far:\n\(output)") {
            try #require(process.isRunning, "album serve exited early:\n\(output)")
            guard let line = output.split(separator: "\n").first(where: { $0.contains("Server started and listening on") }),
                  let last = line.split(separator: ":").last else { return false }
            port = Int(last.trimmingCharacters(in: .whitespaces))
            return port != nil
        }
        return try #require(port)
    }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the process to exit; kills it and fails after `timeout`.
    func waitForExit(timeout: Duration = .seconds(300)) async throws -> (status: Int32, reason: Process.TerminationReason) {
        do {
            try await Self.poll(timeout: timeout, "album serve to exit") { !process.isRunning }
        } catch {
            kill(process.processIdentifier, SIGKILL)
            throw error
        }
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason)
    }
}

/// A minimal HTTP/1.1 client over a blocking loopback socket (one request per connection, `Connection: close`).
enum HTTPProbe {
    struct Response {
        let status: Int
        let headers: [String: String]
        let body: String

        func json() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], "not JSON: \(body)")
        }
    }

    enum Failure: Error { case connect(Int32), send, malformed(String) }

    static func request(port: Int, _ method: String, _ path: String, body: String? = nil) async throws -> Response {
        try await offThePool { try requestBlocking(port: port, method, path, body: body) }
    }

    private static func requestBlocking(port: Int, _ method: String, _ path: String, body: String?) throws -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.connect(errno) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure.connect(errno) }
        let payload = body ?? ""
        var request = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        if body != nil { request += "Content-Type: application/json\r\nContent-Length: \(payload.utf8.count)\r\n" }
        request += "\r\n\(payload)"
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }  // interrupted by a signal (see recv below)
            guard count > 0 else { throw Failure.send }
            sent += count
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            // A signal to the test process (SIGCHLD when another test's child process exits) interrupts recv.
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw Failure.malformed(text) }
        let head = text[..<split.lowerBound].components(separatedBy: "\r\n")
        guard let statusLine = head.first, statusLine.split(separator: " ").count >= 2,
              let status = Int(statusLine.split(separator: " ")[1]) else { throw Failure.malformed(text) }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Response(status: status, headers: headers, body: String(text[split.upperBound...]))
    }
}
