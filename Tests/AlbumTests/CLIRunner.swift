// Runs the built `album` executable as a user or script would, and reads the committed fixtures.
// The binary sits next to the test bundle in the build products directory.
import Foundation
import Testing

enum CLIRunner {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String

        /// stdout parsed as one JSON object.
        func json() throws -> [String: Any] {
            let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
            return try #require(object as? [String: Any], "stdout is not a JSON object: \(stdout)")
        }
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func fixture(_ path: String) -> String { repositoryRoot.appendingPathComponent("Tests/Fixtures/\(path)").path }

    /// The `album` binary built alongside the tests.
    static var binary: URL {
        get throws {
            let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            var directory = bundle.deletingLastPathComponent()
            // The runner may be inside Foo.xctest/Contents/MacOS or directly in the products directory.
            for _ in 0..<4 {
                let candidate = directory.appendingPathComponent("album")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                directory = directory.deletingLastPathComponent()
            }
            throw CLIError.binaryNotFound(near: bundle.path)
        }
    }

    enum CLIError: Error, CustomStringConvertible {
        case binaryNotFound(near: String)
        var description: String {
            switch self { case .binaryNotFound(let path): "no album executable in the products directory of \(path)" }
        }
    }

    /// Runs `album arguments...` in the repository root; `environment` entries override the inherited ones
    /// (a nil value removes the variable).
    /// The child runs on a thread of its own: a test waiting for a process must not hold one of the few threads of
    /// Swift's cooperative pool, which every other suite's async tests (and the servers they run) need.
    static func run(_ arguments: [String], environment: [String: String?] = [:]) async throws -> Result {
        try await offThePool { try runBlocking(arguments, environment: environment) }
    }

    static func runBlocking(_ arguments: [String], environment: [String: String?]) throws -> Result {
        let process = Process()
        process.executableURL = try binary
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting so a large output cannot fill the pipe and block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func loadJSON(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture(path)))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func ints(_ value: Any?) -> [Int] { (value as? [Any])?.compactMap { ($0 as? NSNumber)?.intValue } ?? [] }
}

/// Runs blocking work (a child process, a socket) on a new thread and suspends until it is done.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Swift.Result { try body() }) }.start()
    }
}
