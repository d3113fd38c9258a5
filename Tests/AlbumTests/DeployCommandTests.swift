// `album deploy` against a live `album serve`: a task trained by `album train prompt` is uploaded (PUT
// /v1/tasks/{name}), the server lists and classifies with it at once, a second deploy hot-swaps it to version 2,
// and a refused upload reports the server's error.
import Foundation
import Testing

@Suite(.enabled(if: ServerProcess.serveIsBuilt, "album was built without the HTTP server (ALBUM_MODEL_ONLY=1)"))
struct DeployCommandTests {
    @Test func deployUploadsAndHotSwaps() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("album-deploy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let tasks = root.appendingPathComponent("served")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: CLIRunner.repositoryRoot.appendingPathComponent("models/tasks"), to: tasks)
        let trained = try await CLIRunner.run(["train", "prompt", "--model", "models/default", "--data", "models/data/sentiment-train.jsonl",
                                         "--template", "sst2 sentence: {sentence}", "--labels", "negative,positive",
                                         "--steps", "2", "--batch-size", "4", "--quiet", "--out", root.appendingPathComponent("out/mood").path])
        #expect(trained.status == 0, "\(trained.stderr)")

        let server = try ServerProcess(["serve", "--model", "models/default", "--tasks", tasks.path, "--host", "127.0.0.1", "--port", "0"])
        let port = try await server.port()
        let deploy = ["deploy", "--server", "http://127.0.0.1:\(port)", "--tasks-from", root.appendingPathComponent("out").path,
                      "--task", "mood"]
        let first = try await CLIRunner.run(deploy)
        #expect(first.status == 0, "\(first.stderr)")
        let shown = try await HTTPProbe.request(port: port, "GET", "/v1/tasks/mood")
        #expect(shown.status == 200, "\(shown.body)")
        let classified = try await HTTPProbe.request(port: port, "POST", "/v1/classify",
                                               body: #"{"task": "mood", "fields": {"sentence": "a warm film"}}"#)
        #expect(classified.status == 200, "\(classified.body)")
        let second = try await CLIRunner.run(deploy)
        #expect(second.status == 0 && second.stdout.contains(#""version":"2""#), "\(second.stdout)")
        let refused = try await CLIRunner.run(["deploy", "--server", "http://127.0.0.1:\(port)", "--tasks-from",
                                         CLIRunner.repositoryRoot.appendingPathComponent("models").path, "--task", "data"])
        #expect(refused.status != 0 && refused.stderr.contains("HTTP 4"), "\(refused.stderr)")
        server.signal(SIGTERM)
        _ = try await server.waitForExit()
    }
}

/// `album deploy` sends the admin token (`--token`, else ALBUM_ADMIN_TOKEN) to a server that requires one.
@Suite(.enabled(if: ServerProcess.serveIsBuilt, "album was built without the HTTP server (ALBUM_MODEL_ONLY=1)"))
struct DeployTokenTests {
    @Test func deploySendsTheAdminToken() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("album-deploy-token-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let tasks = root.appendingPathComponent("served")
        try FileManager.default.copyItem(at: CLIRunner.repositoryRoot.appendingPathComponent("models/tasks"), to: tasks)
        let server = try ServerProcess(["serve", "--model", "models/default", "--tasks", tasks.path, "--host", "127.0.0.1",
                                        "--port", "0"], environment: ["ALBUM_ADMIN_TOKEN": "s3cret-token"])
        let port = try await server.port()
        let source = "sentiment"
        let deploy = ["deploy", "--server", "http://127.0.0.1:\(port)", "--tasks-from",
                      CLIRunner.repositoryRoot.appendingPathComponent("models/tasks").path, "--task", source, "--as", "copy"]
        let anonymous = try await CLIRunner.run(deploy, environment: ["ALBUM_ADMIN_TOKEN": nil])
        #expect(anonymous.status != 0 && anonymous.stderr.contains("HTTP 401"), "\(anonymous.stderr)")
        let wrong = try await CLIRunner.run(deploy + ["--token", "guess"], environment: ["ALBUM_ADMIN_TOKEN": nil])
        #expect(wrong.status != 0 && wrong.stderr.contains("HTTP 401"), "\(wrong.stderr)")
        let flagged = try await CLIRunner.run(deploy + ["--token", "s3cret-token"], environment: ["ALBUM_ADMIN_TOKEN": nil])
        #expect(flagged.status == 0, "\(flagged.stderr)")
        let fromEnvironment = try await CLIRunner.run(deploy, environment: ["ALBUM_ADMIN_TOKEN": "s3cret-token"])
        #expect(fromEnvironment.status == 0 && fromEnvironment.stdout.contains(#""version":"2""#), "\(fromEnvironment.stdout)")
        server.signal(SIGTERM)
        _ = try await server.waitForExit()
    }
}
