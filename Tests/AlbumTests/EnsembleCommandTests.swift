// `album ensemble build` and `album eval` on the result, run as a script would: the build copies the members'
// prompts and writes a loadable task; an ensemble of identical members evaluates exactly like the member; members
// that do not share template, labels or prompt shape are refused with the reason, and nothing is written.
import Foundation
import TestSupport
import Testing

@Suite struct EnsembleCommandTests {
    /// A private tasks directory (a copy of models/tasks) and a staging folder.
    struct Workspace {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("album-ensemble-cli-\(UUID().uuidString)")
        var tasks: URL { root.appendingPathComponent("tasks") }
        var sentiment: String { tasks.appendingPathComponent("sentiment").path }

        init() throws {
            try FileManager.default.createDirectory(at: root.appendingPathComponent("staging"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: CLIRunner.repositoryRoot.appendingPathComponent("models/tasks"), to: tasks)
        }

        /// A copy of the sentiment task in staging/`name` with its task.json changed by `change`.
        func variant(_ name: String, _ change: (inout [String: Any]) -> Void) throws -> String {
            let folder = root.appendingPathComponent("staging/\(name)")
            try FileManager.default.copyItem(atPath: sentiment, toPath: folder.path)
            let url = folder.appendingPathComponent("task.json")
            var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
            change(&object)
            try JSONSerialization.data(withJSONObject: object).write(to: url)
            return folder.path
        }

        func eval(_ task: String) async throws -> [String: Any] {
            let result = try await CLIRunner.run(["eval", "--tasks", tasks.path, "--task", task,
                                                  "--data", "models/data/sentiment-val.jsonl", "--json"])
            #expect(result.status == 0, "eval \(task): \(result.stderr)")
            return try result.json()
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    @Test func buildThenEvalMatchesTheMember() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let copy = try workspace.variant("seed2") { _ in }
        for combine in ["vote", "sum-logprobs"] {
            let out = workspace.tasks.appendingPathComponent("ens-\(combine)")
            let built = try await CLIRunner.run(["ensemble", "build", "--out", out.path, "--name", "mood-ensemble",
                                                 "--combine", combine, workspace.sentiment, copy])
            #expect(built.status == 0, "stderr: \(built.stderr)")
            #expect(built.stdout == "wrote \(out.path) (2 members, \(combine), prompt 8×128)\n")
            let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
            #expect(files == ["member-00.safetensors", "member-01.safetensors", "task.json"])
            let manifest = try #require(try JSONSerialization.jsonObject(
                with: Data(contentsOf: out.appendingPathComponent("task.json"))) as? [String: Any])
            #expect(manifest["kind"] as? String == "ensemble" && manifest["name"] as? String == "mood-ensemble")
            #expect(manifest["template"] as? String == "sst2 sentence: {sentence}")
            #expect(manifest["labels"] as? [String] == ["negative", "positive"])
            let section = try #require(manifest["ensemble"] as? [String: Any])
            #expect(section["combine"] as? String == combine)
            #expect((section["members"] as? [[String: Any]])?.compactMap { $0["file"] as? String }
                    == ["member-00.safetensors", "member-01.safetensors"])
            let prompt = try Data(contentsOf: URL(fileURLWithPath: workspace.sentiment).appendingPathComponent("prompt.safetensors"))
            #expect(try Data(contentsOf: out.appendingPathComponent("member-01.safetensors")) == prompt,
                    "members are the members' own prompt tensors")
        }
        let single = try await workspace.eval("sentiment")
        for combine in ["vote", "sum-logprobs"] {
            let ensemble = try await workspace.eval("ens-\(combine)")
            #expect((ensemble["examples"] as? Double) == 4)
            for key in ["accuracy", "f1", "loss"] {
                let a = try #require(ensemble[key] as? Double, "\(key) in \(ensemble)")
                let b = try #require(single[key] as? Double)
                #expect(abs(a - b) <= 1e-9, "\(combine) \(key): \(a) vs \(b)")
            }
        }
        let listed = try await CLIRunner.run(["tasks", "list", "--tasks", workspace.tasks.path])
        #expect(listed.stdout.contains("ens-vote\tensemble\t0\tensemble\t8\tnegative,positive"), "\(listed.stdout)")
        // The folder is the portable form: `tasks import` stores it as a new revision with every member file.
        let staged = workspace.root.appendingPathComponent("staging/ens-staged")
        #expect(try await CLIRunner.run(["ensemble", "build", "--out", staged.path, workspace.sentiment, copy]).status == 0)
        let imported = try await CLIRunner.run(["tasks", "import", staged.path, "--tasks", workspace.tasks.path])
        #expect(imported.stdout == "imported task ens-staged (ensemble) as version 1\n", "\(imported.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.tasks.appendingPathComponent("ens-staged@1").path).sorted()
                == ["member-00.safetensors", "member-01.safetensors", "task.json"])
        let exported = try await CLIRunner.run(["tasks", "export", "ens-vote", "--tasks", workspace.tasks.path,
                                                "--out", workspace.root.appendingPathComponent("x").path])
        #expect(exported.status != 0 && exported.stderr.contains("is an ensemble task"), "\(exported.stderr)")
    }

    @Test(arguments: [
        ("labels", "labels"), ("template", "template"), ("shape", "prompt shape"), ("one", "at least 2"),
    ])
    func mismatchedMembersAreRefused(change: String, reason: String) async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        var members = [workspace.sentiment]
        switch change {
        case "labels": members.append(try workspace.variant("other") { $0["labels"] = ["bad", "good"] })
        case "template": members.append(try workspace.variant("other") { $0["template"] = "review: {sentence}" })
        case "shape":
            let folder = try workspace.variant("other") { $0["promptLength"] = nil }
            try Data(SafeTensorsFileBytes.f32(name: "prompt", shape: [4, 128]))
                .write(to: URL(fileURLWithPath: folder).appendingPathComponent("prompt.safetensors"))
            members.append(folder)
        default: break
        }
        let out = workspace.root.appendingPathComponent("ens")
        let result = try await CLIRunner.run(["ensemble", "build", "--out", out.path] + members)
        #expect(result.status != 0)
        #expect(result.stderr.contains(reason), "stderr: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("task.json").path), "nothing written")
    }
}

/// `album bench --ensemble K --json`: the ensemble section's rows, single prompt and K members per batch size, in the
/// same run; the K-member rows run K encoder rows per request.
@Suite struct EnsembleBenchTests {
    @Test func benchEnsembleSectionInJSON() async throws {
        let result = try await CLIRunner.run(["bench", "--json", "--model", "models/default", "--length", "12",
                                              "--prompt-length", "4", "--batch-sizes", "1,2", "--steps", "1",
                                              "--repeats", "1", "--tokenizer-mb", "0.01", "--ensemble", "3"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let sections = try #require(try result.json()["sections"] as? [[String: Any]])
        let section = try #require(sections.first { ($0["title"] as? String)?.hasPrefix("Rank classification: 3-member ensemble") == true },
                                   "titles: \(sections.map { $0["title"] ?? "" })")
        let table = try #require((section["tables"] as? [[String: Any]])?.first)
        #expect(table["columns"] as? [String] == ["prompts", "batch", "encoder rows", "ms / batch", "ms / request", "requests/s", "× single"])
        let rows = try #require(table["rows"] as? [[String: Any]])
        let keys = rows.map { [($0["prompts"] as? Double) ?? 0, ($0["batch"] as? Double) ?? 0, ($0["encoder rows"] as? Double) ?? 0] }
        #expect(keys == [[1, 1, 1], [3, 1, 3], [1, 2, 2], [3, 2, 6]])
        for row in rows {
            #expect(((row["requests/s"] as? Double) ?? 0) > 0, "\(row)")
            #expect(((row["× single"] as? Double) ?? 0) > 0, "\(row)")
        }
        let refused = try await CLIRunner.run(["bench", "--model", "models/default", "--ensemble", "1"])
        #expect(refused.status != 0 && refused.stderr.contains("--ensemble must be between 2 and 16"), "\(refused.stderr)")
    }
}
