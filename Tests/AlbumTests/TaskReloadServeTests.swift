// `album serve` picks up what another process writes into its tasks directory, without a restart: a task
// imported with `album tasks import` is served, a removed folder stops being served, a new version replaces the
// old one; by the periodic rescan (`--tasks-rescan-ms`), by SIGHUP and by `POST /v1/tasks/reload`. A broken folder
// is reported and skipped. (How each replica of a deployment picks up a task version from a shared volume.)
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.enabled(if: ServerProcess.serveIsBuilt, "album was built without the HTTP server (ALBUM_MODEL_ONLY=1)"))
struct TaskReloadServeTests {
    /// A private copy of models/tasks and a copy of `sentiment` to import as `mood`.
    struct Workspace {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("album-reload-\(UUID().uuidString)")
        var tasks: URL { root.appendingPathComponent("tasks") }
        var mood: URL { root.appendingPathComponent("mood") }

        init() throws {
            let models = CLIRunner.repositoryRoot.appendingPathComponent("models/tasks")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: models, to: tasks)
            try FileManager.default.copyItem(at: models.appendingPathComponent("sentiment"), to: mood)
        }

        func importMood() async throws {
            let imported = try await CLIRunner.run(["tasks", "import", mood.path, "--tasks", tasks.path, "--model", "models/default"])
            try #require(imported.status == 0, "import failed: \(imported.stderr)")
        }
    }

    static func status(_ port: Int, _ path: String) async throws -> Int {
        try await HTTPProbe.request(port: port, "GET", path).status
    }

    /// Polls `condition` every 50 ms (each poll a loopback request off the cooperative pool) for at most 30 s.
    static func eventually(_ what: String, _ server: ServerProcess, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while try await !condition() {
            try #require(ContinuousClock.now < deadline, "timed out waiting for \(what); output:\n\(server.output)")
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Removes a task folder as a careful operator does: one rename out of the tasks directory, then the delete.
    /// A recursive delete in place lets a rescan see a half-deleted folder (a skipped entry of its own in the log).
    static func removeInOneRename(_ folder: URL, via root: URL) throws {
        let removed = root.appendingPathComponent("removed-\(UUID().uuidString)")
        try FileManager.default.moveItem(at: folder, to: removed)
        try FileManager.default.removeItem(at: removed)
    }

    static func waitFor(_ port: Int, _ path: String, status: Int, _ server: ServerProcess) async throws {
        try await eventually("GET \(path) to answer \(status)", server) { try await Self.status(port, path) == status }
    }

    @Test func periodicRescanServesImportsAndRemovals() async throws {
        let workspace = try Workspace()
        defer { try? FileManager.default.removeItem(at: workspace.root) }
        let server = try ServerProcess(["serve", "--tasks", workspace.tasks.path, "--port", "0", "--tasks-rescan-ms", "100"])
        let port = try await server.port()
        #expect(try await Self.status(port, "/v1/tasks/mood") == 404)

        try await workspace.importMood()
        try await Self.waitFor(port, "/v1/tasks/mood", status: 200, server)
        let mood = try await HTTPProbe.request(port: port, "GET", "/v1/tasks/mood").json()
        #expect(mood["version"] as? String == "1")
        let classified = try await HTTPProbe.request(port: port, "POST", "/v1/classify",
                                                     body: #"{"task": "mood", "fields": {"sentence": "warm"}}"#)
        #expect(classified.status == 200, "\(classified.body)")
        #expect(try classified.json()["task_version"] as? String == "1")

        // A new version (the same import again): revision 2 replaces 1.
        try await workspace.importMood()
        try await Self.eventually("mood version 2", server) {
            try await HTTPProbe.request(port: port, "GET", "/v1/tasks/mood").body.contains(#""version":"2""#)
        }

        // A removed folder stops being served; a broken one is skipped and logged.
        try Self.removeInOneRename(workspace.tasks.appendingPathComponent("tense"), via: workspace.root)
        // Built beside the tasks directory and moved in whole, so that no rescan sees it half-written (an empty
        // folder and then one with a task.json would be two different skipped entries).
        let staging = workspace.tasks.deletingLastPathComponent().appendingPathComponent("broken-staging")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try Data("{\"kind\": \"static\"}".utf8).write(to: staging.appendingPathComponent("task.json"))
        try FileManager.default.moveItem(at: staging, to: workspace.tasks.appendingPathComponent("broken"))
        try await Self.waitFor(port, "/v1/tasks/tense", status: 404, server)
        #expect(try await Self.status(port, "/v1/tasks/broken") == 404)
        try await Self.eventually("the skipped entry in the log", server) {
            server.output.contains("task skipped") && server.output.contains("broken")
        }
        #expect(server.output.components(separatedBy: "task skipped").count == 2,
                "a skipped entry is logged once, not on every rescan:\n\(server.output)")
        let ready = try await HTTPProbe.request(port: port, "GET", "/readyz").json()
        #expect((ready["tasks"] as? NSNumber)?.intValue == 3, "nli, sentiment, mood")
        let metrics = try await HTTPProbe.request(port: port, "GET", "/metrics").body
        #expect(metrics.contains("album_task_reloads_total{result=\"changed\"}"), "\(metrics)")

        server.signal(SIGTERM)
        let exit = try await server.waitForExit()
        #expect(exit.status == 0, "output:\n\(server.output)")
    }

    @Test func sighupAndTheReloadRouteReloadOnDemand() async throws {
        let workspace = try Workspace()
        defer { try? FileManager.default.removeItem(at: workspace.root) }
        let server = try ServerProcess(["serve", "--tasks", workspace.tasks.path, "--port", "0"])
        let port = try await server.port()

        try await workspace.importMood()
        #expect(try await Self.status(port, "/v1/tasks/mood") == 404, "no rescan without --tasks-rescan-ms")
        server.signal(SIGHUP)
        try await Self.waitFor(port, "/v1/tasks/mood", status: 200, server)

        try Self.removeInOneRename(workspace.tasks.appendingPathComponent("tense"), via: workspace.root)
        let reloaded = try await HTTPProbe.request(port: port, "POST", "/v1/tasks/reload")
        #expect(reloaded.status == 200, "\(reloaded.body)")
        let report = try reloaded.json()
        #expect(report["removed"] as? [String] == ["tense"] && report["added"] as? [String] == [])
        #expect(try await Self.status(port, "/v1/tasks/tense") == 404)
        let again = try await HTTPProbe.request(port: port, "POST", "/v1/tasks/reload").json()
        #expect(again["removed"] as? [String] == [] && (again["generation"] as? NSNumber) == (report["generation"] as? NSNumber))

        // Export then upload is lossless: the uploaded copy serves like the original.
        let exported = workspace.root.appendingPathComponent("exported/sentiment-copy")
        let export = try await CLIRunner.run(["tasks", "export", "sentiment", "--out", exported.path, "--tasks", workspace.tasks.path])
        try #require(export.status == 0, "\(export.stderr)")
        let deploy = try await CLIRunner.run(["deploy", "--server", "http://127.0.0.1:\(port)", "--tasks-from",
                                              exported.deletingLastPathComponent().path, "--task", "sentiment-copy"])
        #expect(deploy.status == 0, "\(deploy.stdout) \(deploy.stderr)")
        var original = try await HTTPProbe.request(port: port, "GET", "/v1/tasks/sentiment").json()
        var copy = try await HTTPProbe.request(port: port, "GET", "/v1/tasks/sentiment-copy").json()
        #expect(copy["method"] as? String == "peft:PROMPT_TUNING")
        for key in ["name", "version", "method"] { original[key] = nil; copy[key] = nil }
        #expect(NSDictionary(dictionary: copy) == NSDictionary(dictionary: original), "\(copy) vs \(original)")
        let request = #"{"task": "%@", "fields": {"sentence": "a wonderful, warm film"}}"#
        let scores = try await ["sentiment", "sentiment-copy"].asyncMap { name in
            try await HTTPProbe.request(port: port, "POST", "/v1/classify", body: request.replacingOccurrences(of: "%@", with: name))
                .json()["scores"] as? NSDictionary
        }
        #expect(scores[0] != nil && scores[0] == scores[1])

        server.signal(SIGTERM)
        #expect(try await server.waitForExit().status == 0, "output:\n\(server.output)")
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
