// `album tasks import|show|export|validate|remove` on a private copy of the bundled tasks directory: their output,
// exit statuses and effects on disk, and a PEFT export that, imported again, scores exactly like the original.
import Foundation
import Testing

@Suite struct TasksCommandTests {
    /// A private copy of models/tasks and a staging folder `mood` holding a copy of the `sentiment` task.
    struct Workspace {
        let root: URL
        var tasks: URL { root.appendingPathComponent("tasks") }
        var mood: URL { root.appendingPathComponent("staging/mood") }

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("album-tasks-cli-\(UUID().uuidString)")
            let models = CLIRunner.repositoryRoot.appendingPathComponent("models/tasks")
            try FileManager.default.createDirectory(at: root.appendingPathComponent("staging"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: models, to: tasks)
            try FileManager.default.copyItem(at: models.appendingPathComponent("sentiment"), to: mood)
        }

        func tasksCommand(_ arguments: [String]) async throws -> CLIRunner.Result {
            try await CLIRunner.run(["tasks"] + arguments + ["--tasks", tasks.path, "--model", "models/default"])
        }

        func entries() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: tasks.path).filter { !$0.hasPrefix(".") }.sorted()
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    @Test func importShowAndRemove() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let imported = try await workspace.tasksCommand(["import", workspace.mood.path])
        #expect(imported.status == 0, "stderr: \(imported.stderr)")
        #expect(imported.stdout == "imported task mood (album) as version 1\n")
        #expect(try workspace.entries() == ["README.md", "mood@1", "nli", "sentiment", "source-album", "tense"])
        for file in ["task.json", "prompt.safetensors"] {
            let stored = try Data(contentsOf: workspace.tasks.appendingPathComponent("mood@1/\(file)"))
            #expect(stored == (try Data(contentsOf: workspace.mood.appendingPathComponent(file))), "mood@1/\(file) is a copy")
        }

        let shown = try await workspace.tasksCommand(["show", "mood"])
        #expect(shown.status == 0, "stderr: \(shown.stderr)")
        let facts = try shown.json()
        #expect(facts["name"] as? String == "mood" && facts["kind"] as? String == "static")
        // The version is a string, as `GET /v1/tasks/{name}` gives it.
        #expect(facts["version"] as? String == "1" && facts["source"] as? String == "album")
        #expect(facts["labels"] as? [String] == ["negative", "positive"])
        #expect(facts["template"] as? String == "sst2 sentence: {sentence}" && facts["fields"] as? [String] == ["sentence"])
        #expect((facts["promptLength"] as? NSNumber)?.intValue == 8 && (facts["maxInputTokens"] as? NSNumber)?.intValue == 128)
        let spe = try await workspace.tasksCommand(["show", "nli"]).json()
        #expect(spe["kind"] as? String == "spe")
        #expect((spe["spe"] as? [String: Any])?["album"] as? String == "source-album")

        let listed = try await workspace.tasksCommand(["list"])
        #expect(listed.stdout.split(separator: "\n").contains { $0.hasPrefix("mood\tstatic\t1\talbum\t8\tnegative,positive") },
                "list: \(listed.stdout)")

        let removed = try await workspace.tasksCommand(["remove", "mood"])
        #expect(removed.status == 0 && removed.stdout == "removed mood\n", "stderr: \(removed.stderr)")
        #expect(try workspace.entries() == ["README.md", "nli", "sentiment", "source-album", "tense"])
        #expect(!(try await workspace.tasksCommand(["list"])).stdout.contains("mood"))

        let inUse = try await workspace.tasksCommand(["remove", "source-album"])
        #expect(inUse.status != 0)
        #expect(inUse.stderr.contains(#"album 'source-album' is used by tasks ["nli"]"#), "stderr: \(inUse.stderr)")
        let unknown = try await workspace.tasksCommand(["remove", "nope"])
        #expect(unknown.status != 0 && unknown.stderr.contains("no task named 'nope'"), "stderr: \(unknown.stderr)")
        let unknownShow = try await workspace.tasksCommand(["show", "nope"])
        #expect(unknownShow.status != 0 && unknownShow.stderr.contains("no task or album named 'nope'"))
        #expect(try workspace.entries() == ["README.md", "nli", "sentiment", "source-album", "tense"])
    }

    @Test func exportedAdapterScoresLikeTheOriginal() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let out = workspace.root.appendingPathComponent("exported")
        let exported = try await workspace.tasksCommand(["export", "sentiment", "--out", out.path])
        #expect(exported.status == 0, "stderr: \(exported.stderr)")
        #expect(exported.stdout == "wrote PEFT adapter (8 virtual tokens, d=128) to \(out.path)\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
                == ["adapter_config.json", "adapter_model.safetensors", "task.json"])
        let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("adapter_config.json"))) as? [String: Any])
        #expect(config["peft_type"] as? String == "PROMPT_TUNING" && (config["num_virtual_tokens"] as? NSNumber)?.intValue == 8)

        let validated = try await workspace.tasksCommand(["validate", out.path])
        #expect(validated.status == 0 && validated.stdout == "ok: exported\n", "stderr: \(validated.stderr)")
        let imported = try await workspace.tasksCommand(["import", out.path, "--name", "sentiment-peft"])
        #expect(imported.stdout == "imported task sentiment-peft (peft:PROMPT_TUNING) as version 1\n", "stderr: \(imported.stderr)")
        // Lossless: the task.json next to the adapter keeps how Album serves the task.
        let original = try await workspace.tasksCommand(["show", "sentiment"]).json()
        let copy = try await workspace.tasksCommand(["show", "sentiment-peft"]).json()
        for key in ["template", "fields", "labels", "promptLength", "maxInputTokens", "kind"] {
            #expect((copy[key] as? NSObject) == (original[key] as? NSObject), "\(key): \(copy[key] ?? "nil") vs \(original[key] ?? "nil")")
        }
        #expect((copy["decoding"] as? NSDictionary) == (original["decoding"] as? NSDictionary))
        #expect((copy["warnings"] as? [String]) == [], "the export carries the checkpoint fingerprint")

        // The same prompt and template: the original and the re-imported adapter score identically.
        func score(_ arguments: [String]) async throws -> Double {
            let result = try await CLIRunner.run(["score", "--model", "models/default", "--tasks", workspace.tasks.path,
                                            "--target", "positive", "--json"] + arguments)
            #expect(result.status == 0, "stderr: \(result.stderr)")
            return try #require((try result.json()["logprob"] as? NSNumber)?.doubleValue)
        }
        let originalScore = try await score(["--task", "sentiment", "--fields", #"{"sentence": "a warm film"}"#])
        let roundTrip = try await score(["--task", "sentiment-peft", "--fields", #"{"sentence": "a warm film"}"#])
        #expect(originalScore == roundTrip)
        #expect(originalScore != (try await score(["--task", "sentiment-peft", "--fields", #"{"sentence": "a cold film"}"#])))

        let spe = try await workspace.tasksCommand(["export", "nli", "--out", workspace.root.appendingPathComponent("nli-out").path])
        #expect(spe.status != 0 && spe.stderr.contains("'nli' is an SPE task"), "stderr: \(spe.stderr)")
    }

    @Test func validateReportsEveryBadEntryAndFailsOnIt() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let clean = try await workspace.tasksCommand(["validate"])
        #expect(clean.status == 0, "stderr: \(clean.stderr)")
        #expect(clean.stdout.hasPrefix("ok: 3 tasks, 1 albums\n") && !clean.stdout.contains("error:"))

        // A damaged copy: its prompt file is cut short.
        let broken = workspace.tasks.appendingPathComponent("broken")
        try FileManager.default.copyItem(at: workspace.mood, to: broken)
        let weights = broken.appendingPathComponent("prompt.safetensors")
        try Data(try Data(contentsOf: weights).dropLast(16)).write(to: weights)
        let damaged = try await workspace.tasksCommand(["validate"])
        #expect(damaged.status == 1)
        #expect(damaged.stdout.hasPrefix("ok: 3 tasks, 1 albums\n"))
        #expect(damaged.stdout.split(separator: "\n").contains { $0.hasPrefix("error: broken: ") && $0.contains("prompt.safetensors") },
                "stdout: \(damaged.stdout)")
        let one = try await workspace.tasksCommand(["validate", broken.path])
        #expect(one.status != 0 && one.stderr.contains("prompt.safetensors"), "stderr: \(one.stderr)")
    }
}
