// Every shell block of the docs runs as written (scripts/check-docs.sh): README, docs/, models/README.md,
// models/tasks/README.md and deploy/kubernetes/README.md, in order, in a fresh copy of the repository, against
// the album executable built with the tests (on PATH, as the README's install step puts the release build).
import Foundation
import Testing

@Suite(.enabled(if: ServerProcess.serveIsBuilt, "album was built without the HTTP server (ALBUM_MODEL_ONLY=1)"))
struct DocsCheckTests {
    @Test func everyDocumentedCommandRuns() async throws {
        let binaryDirectory = try CLIRunner.binary.deletingLastPathComponent().path
        let started = ContinuousClock.now
        let result = try await offThePool { () throws -> CLIRunner.Result in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [CLIRunner.repositoryRoot.appendingPathComponent("scripts/check-docs.sh").path, binaryDirectory]
            process.currentDirectoryURL = CLIRunner.repositoryRoot
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            let stderr = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return CLIRunner.Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                                    stderr: String(decoding: stderr, as: UTF8.self))
        }
        #expect(result.status == 0, "stdout:\n\(result.stdout)\nstderr:\n\(result.stderr)")
        let summary = try #require(result.stdout.split(separator: "\n").last { $0.hasPrefix("docs-check: ") && $0.contains("blocks ran") })
        let ran = Int(summary.split(separator: " ")[1]) ?? 0
        #expect(ran >= 7, "\(summary)")
        for file in ["README.md", "docs/api.md", "docs/security.md", "docs/operations.md"] {
            #expect(result.stdout.contains("docs-check: run  \(file):"), "no block of \(file) ran:\n\(result.stdout)")
        }
        // Every skipped block says why (the script refuses a marker without a reason).
        for line in result.stdout.split(separator: "\n") where line.hasPrefix("docs-check: skip") {
            #expect(line.hasSuffix(")") && line.contains(" ("), "\(line)")
        }
        print("docs-check took \(ContinuousClock.now - started): \(summary)")
    }
}
