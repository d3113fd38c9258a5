// `album serve` end to end: the built binary serves the bundled model and tasks on an ephemeral loopback port,
// resolves its settings flag > environment > default, answers requests, and on SIGTERM drains and exits 0.
// (The drain itself, with a request held in flight, is tested in-process in ServerTests/DrainTests.)
import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.enabled(if: ServerProcess.serveIsBuilt, "album was built without the HTTP server (ALBUM_MODEL_ONLY=1)"))
struct ServeCommandTests {
    @Test func serveAnswersRequestsAndExitsZeroOnSIGTERM() async throws {
        let tasks = FileManager.default.temporaryDirectory.appendingPathComponent("album-serve-tasks-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: CLIRunner.repositoryRoot.appendingPathComponent("models/tasks"), to: tasks)
        defer { try? FileManager.default.removeItem(at: tasks) }
        // The flags must win over the (unusable) environment values; the batch limit comes from the environment.
        let server = try ServerProcess(
            ["serve", "--model", "models/default", "--tasks", tasks.path, "--host", "127.0.0.1", "--port", "0",
             "--log-level", "info"],
            environment: ["ALBUM_HOST": "256.0.0.1", "ALBUM_PORT": "1", "ALBUM_LOG_LEVEL": "loud",
                          "ALBUM_MAX_BATCH_ITEMS": "1", "ALBUM_MODEL": "/nonexistent", "ALBUM_TASKS": "/nonexistent"])
        let port = try await server.port()
        #expect(port != 1 && port > 0)

        let ready = try await HTTPProbe.request(port: port, "GET", "/readyz")
        #expect(ready.status == 200)
        let readiness = try ready.json()
        #expect(readiness["status"] as? String == "ready" && (readiness["tasks"] as? NSNumber)?.intValue == 3)
        #expect(readiness["model"] as? String == "default")

        let classified = try await HTTPProbe.request(port: port, "POST", "/v1/classify",
                                               body: #"{"task": "sentiment", "fields": {"sentence": "a wonderful, warm film"}}"#)
        #expect(classified.status == 200, "\(classified.body)")
        let result = try classified.json()
        let scores = try #require(result["scores"] as? [String: Any])
        #expect(Set(scores.keys) == ["negative", "positive"])
        #expect(["negative", "positive"].contains(result["label"] as? String ?? ""))
        #expect(result["task_version"] as? String == "0")
        #expect(classified.headers["x-request-id"]?.isEmpty == false)

        let batch = try await HTTPProbe.request(port: port, "POST", "/v1/batch", body: #"""
            {"requests": [{"task": "tense", "input": "a"}, {"task": "tense", "input": "b"}]}
            """#)
        #expect(batch.status == 413)
        let error = try #require(try batch.json()["error"] as? [String: Any])
        #expect(error["code"] as? String == "batch_too_large")
        #expect(error["message"] as? String == "batch has 2 items, more than the limit of 1", "ALBUM_MAX_BATCH_ITEMS applies")

        server.signal(SIGTERM)
        let exit = try await server.waitForExit()
        #expect(exit.reason == .exit && exit.status == 0, "exit \(exit); output:\n\(server.output)")
        let output = server.output
        let draining = output.range(of: "engine draining"), stopped = output.range(of: "engine stopped")
        #expect(draining != nil && stopped != nil, "output:\n\(output)")
        if let draining, let stopped { #expect(draining.lowerBound < stopped.lowerBound) }
    }

    /// A tasks directory holding every hostile artifact next to the demo tasks: `album serve` starts, logs one
    /// "task skipped" line naming each bad task and its error, and serves the good ones.
    @Test func serveStartsOverATasksDirectoryFullOfBadTasks() async throws {
        let tasks = FileManager.default.temporaryDirectory.appendingPathComponent("album-serve-hostile-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: CLIRunner.repositoryRoot.appendingPathComponent("models/tasks"), to: tasks)
        defer { try? FileManager.default.removeItem(at: tasks) }
        let attacks = try HostileArtifacts.all(
            fixtureTasks: CLIRunner.repositoryRoot.appendingPathComponent("Tests/Fixtures/prompts/tasks"), maxPromptLength: 64)
        for attack in attacks {
            let folder = tasks.appendingPathComponent(attack.name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for (file, bytes) in attack.files { try Data(bytes).write(to: folder.appendingPathComponent(file)) }
        }
        let server = try ServerProcess(["serve", "--model", "models/default", "--tasks", tasks.path, "--host", "127.0.0.1",
                                        "--port", "0", "--max-prompt-length", "64"])
        let port = try await server.port()
        let ready = try await HTTPProbe.request(port: port, "GET", "/readyz")
        #expect(ready.status == 200)
        #expect((try ready.json()["tasks"] as? NSNumber)?.intValue == 3, "the three demo tasks are served")
        let classified = try await HTTPProbe.request(port: port, "POST", "/v1/classify",
                                                     body: #"{"task": "sentiment", "fields": {"sentence": "a warm film"}}"#)
        #expect(classified.status == 200, "\(classified.body)")
        server.signal(SIGTERM)
        let exit = try await server.waitForExit()
        #expect(exit.reason == .exit && exit.status == 0, "exit \(exit)")
        let skipped = server.output.split(separator: "\n").filter { $0.contains("task skipped") }
        for attack in attacks {
            #expect(skipped.contains { $0.contains("task=\(attack.name)") && $0.contains("error=") },
                    "a log line names \(attack.name) and its error; output:\n\(server.output)")
        }
        #expect(skipped.count == attacks.count)
    }

    @Test func environmentIsReadAndAFlagOverridesIt() async throws {
        let fromEnvironment = try await CLIRunner.run(["serve", "--model", "/nonexistent-model"],
                                                environment: ["ALBUM_LOG_LEVEL": "loud"])
        #expect(fromEnvironment.status != 0)
        #expect(fromEnvironment.stderr.contains("unknown log level loud"), "stderr: \(fromEnvironment.stderr)")

        let overridden = try await CLIRunner.run(["serve", "--model", "/nonexistent-model", "--log-level", "error"],
                                           environment: ["ALBUM_LOG_LEVEL": "loud"])
        #expect(overridden.status != 0)
        #expect(!overridden.stderr.contains("log level"), "the flag wins: stderr \(overridden.stderr)")
        #expect(overridden.stderr.contains("/nonexistent-model"), "it failed on the model instead: \(overridden.stderr)")

        let badNumber = try await CLIRunner.run(["serve", "--model", "/nonexistent-model"], environment: ["ALBUM_PORT": "eighty"])
        #expect(badNumber.status != 0)
        #expect(badNumber.stderr.contains("ALBUM_PORT=eighty is not a valid value"), "stderr: \(badNumber.stderr)")
    }
}
