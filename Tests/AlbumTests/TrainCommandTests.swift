// `album train source|spe|prompt`, `album album build`, `album similarity` and `album eval` through the built binary
// on the demo model: snapshots land at ⌈f·S⌉, the built album and the trained tasks validate in a tasks directory
// and answer through `album eval`.
import Foundation
import Testing

@Suite struct TrainCommandTests {
    @Test func sourceAlbumSPEAndEval() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("album-train-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let common = ["--model", "models/default", "--prompt-length", "4", "--batch-size", "4", "--quiet"]
        let source = try await CLIRunner.run(["train", "source", "--data", "models/data/topic-train.jsonl", "--steps", "5",
                                        "--out", root.appendingPathComponent("src/topic").path] + common)
        #expect(source.status == 0, "\(source.stderr)")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("src/topic/task.json"))) as? [String: Any]
        let entries = (manifest?["album"] as? [String: Any])?["entries"] as? [[String: Any]] ?? []
        #expect(entries.compactMap { ($0["step"] as? NSNumber)?.intValue } == [3, 4, 5])

        let tasks = root.appendingPathComponent("tasks")
        let built = try await CLIRunner.run(["album", "build", "--out", tasks.appendingPathComponent("joined").path,
                                       root.appendingPathComponent("src/topic").path])
        #expect(built.status == 0, "\(built.stderr)")
        let spe = try await CLIRunner.run(["train", "spe", "--data", "models/data/sentiment-train.jsonl", "--template",
                                     "sst2 sentence: {sentence}", "--labels", "negative,positive", "--steps", "3",
                                     "--bottleneck", "4", "--album", tasks.appendingPathComponent("joined").path,
                                     "--out", tasks.appendingPathComponent("mood").path, "--log", root.appendingPathComponent("log.jsonl").path] + common)
        #expect(spe.status == 0, "\(spe.stderr)")
        let log = try String(contentsOf: root.appendingPathComponent("log.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(log.count == 3 && log[0].contains("\"step\":1") && log[0].contains("grad_norm"))

        let validate = try await CLIRunner.run(["tasks", "validate", "--tasks", tasks.path, "--model", "models/default"])
        #expect(validate.status == 0, "\(validate.stdout) \(validate.stderr)")
        let eval = try await CLIRunner.run(["eval", "--tasks", tasks.path, "--task", "mood", "--data", "models/data/sentiment-val.jsonl", "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let metrics = try eval.json()
        #expect((metrics["examples"] as? NSNumber)?.intValue == 4 && metrics["mcc"] != nil && metrics["accuracy"] != nil)

        let similarity = try await CLIRunner.run(["similarity", "--model", "models/default", "--target",
                                            tasks.appendingPathComponent("joined").path, "--candidates",
                                            tasks.appendingPathComponent("joined").path, "--metric", "average-cosine"])
        let ranking = similarity.stdout.split(separator: "\n")
        #expect(similarity.status == 0 && ranking.count == 4, "\(similarity.stdout)\(similarity.stderr)")
        #expect(ranking.count > 1 && ranking[1].contains("#0 (topic@0.6)\t1.000000"), "\(similarity.stdout)")

        // SPoT top-k weighted-average init from the album's entries.
        let topK = try await CLIRunner.run(["train", "prompt", "--data", "models/data/sentiment-train.jsonl", "--template",
                                      "sst2 sentence: {sentence}", "--labels", "negative,positive", "--steps", "2",
                                      "--init", "topk-weighted:2", "--candidates", tasks.appendingPathComponent("joined").path,
                                      "--probe-steps", "2", "--out", root.appendingPathComponent("spot").path] + common)
        #expect(topK.status == 0, "\(topK.stderr)")
    }

    @Test func ctrlCWritesACheckpointAndResumeFinishes() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("album-train-sigint-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let log = root.appendingPathComponent("log.jsonl")
        // Enough steps that the run cannot end in the moment between its third logged step and the signal.
        let steps = 3000
        let arguments = ["train", "prompt", "--model", "models/default", "--data", "models/data/topic-train.jsonl",
                         "--prompt-length", "4", "--batch-size", "2", "--steps", "\(steps)", "--checkpoint-every", "100000",
                         "--out", root.appendingPathComponent("out").path, "--log", log.path, "--quiet"]
        let server = try ServerProcess(arguments)  // any child process; only its exit matters here
        // Watched from a thread of its own, not the (busy) test pool: a run takes a few seconds, and a wake-up
        // delayed that long would signal a finished process.
        let pid = server.process.processIdentifier
        try await offThePool {
            let deadline = Date().addingTimeInterval(300)
            while !((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("\"step\":3}") && Date() < deadline {
                usleep(2_000)
            }
            kill(pid, SIGINT)
        }
        let exit = try await server.waitForExit()
        #expect(exit.status != 0 && server.output.contains("interrupted at step"), "\(server.output)")
        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").count
        #expect(lines < steps)
        let resumed = try await CLIRunner.run(arguments + ["--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let logged = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["step"] as? Int
        }
        #expect(logged == Array(1...steps), "steps \(logged.prefix(3))… \(logged.count)")
    }

    @Test func severalSPETargetsShareG() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("album-train-multi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let topicJSON = root.appendingPathComponent("topic.json")
        try Data(#"{"kind": "static", "labels": ["business", "sports"]}"#.utf8).write(to: topicJSON)
        let tasks = root.appendingPathComponent("tasks")
        try FileManager.default.copyItem(at: CLIRunner.repositoryRoot.appendingPathComponent("models/tasks/source-album"),
                                         to: tasks.appendingPathComponent("source-album"))
        let result = try await CLIRunner.run(["train", "spe", "--model", "models/default", "--album", "models/tasks/source-album",
                                        "--data", "sent=models/data/sentiment-train.jsonl", "--data", "topic=models/data/topic-train.jsonl",
                                        "--template", "sst2 sentence: {sentence}", "--labels", "negative,positive",
                                        "--target-task-json", "topic=\(topicJSON.path)", "--prompt-length", "8", "--steps", "3",
                                        "--batch-size", "4", "--bottleneck", "4", "--quiet", "--out", tasks.path])
        #expect(result.status == 0, "\(result.stderr)")
        try? FileManager.default.removeItem(at: tasks.appendingPathComponent("checkpoints"))
        let listed = try await CLIRunner.run(["tasks", "list", "--tasks", tasks.path, "--model", "models/default"])
        #expect(listed.stdout.contains("sent\tspe") && listed.stdout.contains("topic\tspe\t0\tspe\t8\tbusiness,sports")
                && !listed.stdout.contains("FAILED"), "\(listed.stdout)")
        let a = try Data(contentsOf: tasks.appendingPathComponent("sent/spe.safetensors"))
        let b = try Data(contentsOf: tasks.appendingPathComponent("topic/spe.safetensors"))
        #expect(a != b)
    }

    @Test func malformedDataFailsWithFileAndLine() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("album-train-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("bad.jsonl")
        try Data("{\"input\": \"a\", \"target\": \"b\"}\nnot json\n".utf8).write(to: data)
        let result = try await CLIRunner.run(["train", "prompt", "--model", "models/default", "--data", data.path,
                                        "--out", root.appendingPathComponent("out").path, "--steps", "1"])
        #expect(result.status != 0 && result.stderr.contains("bad.jsonl:2"), "\(result.stderr)")
    }
}

/// `album train ipt-subspace` and `album train ipt` through the built binary on the demo model: a subspace from the
/// sentiment prompt (static task, its task.json gives template and labels) and the demo album's last snapshot (topic
/// data, plain inputs); an IPT task in it; both validate and serve from a tasks directory, and the IPT task exports.
@Suite struct TrainIPTCommandTests {
    @Test func subspaceThenIntrinsicTuning() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("album-train-ipt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let tasks = root.appendingPathComponent("tasks")
        let subspace = try await CLIRunner.run([
            "train", "ipt-subspace", "--model", "models/default",
            "--source", "sentiment=models/tasks/sentiment", "--source", "topic=models/tasks/source-album",
            "--data", "sentiment=models/data/sentiment-train.jsonl", "--data", "topic=models/data/topic-train.jsonl",
            "--intrinsic-dim", "4", "--hidden", "16", "--alpha", "200", "--steps", "6", "--batch-size", "4", "--lr", "0.003",
            "--seed", "1", "--out", tasks.appendingPathComponent("sub").path, "--threads", "1", "--quiet",
            "--log", root.appendingPathComponent("sub.jsonl").path])
        #expect(subspace.status == 0, "\(subspace.stderr)")
        #expect(subspace.stdout.contains("wrote") && subspace.stdout.contains("reconstruction MSE"), "\(subspace.stdout)")
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: tasks.appendingPathComponent("sub/task.json"))) as? [String: Any])
        let section = manifest["subspace"] as? [String: Any]
        #expect(manifest["kind"] as? String == "ipt-subspace" && (manifest["promptLength"] as? NSNumber)?.intValue == 8)
        #expect((section?["intrinsicDim"] as? NSNumber)?.intValue == 4 && (section?["hidden"] as? NSNumber)?.intValue == 16)
        #expect(section?["sources"] as? [String] == ["sentiment", "topic"])
        let log = try String(contentsOf: root.appendingPathComponent("sub.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(log.count == 6)

        let ipt = try await CLIRunner.run([
            "train", "ipt", "--model", "models/default", "--subspace", tasks.appendingPathComponent("sub").path,
            "--data", "models/data/sentiment-train.jsonl", "--validation", "models/data/sentiment-val.jsonl",
            "--task-json", "models/tasks/sentiment/task.json", "--init", "project:models/tasks/sentiment",
            "--out", tasks.appendingPathComponent("mood").path, "--steps", "4", "--lr", "0.05", "--batch-size", "4",
            "--seed", "2", "--quiet"])
        #expect(ipt.status == 0, "\(ipt.stderr)")
        let task = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: tasks.appendingPathComponent("mood/task.json"))) as? [String: Any])
        #expect(task["kind"] as? String == "ipt" && (task["ipt"] as? [String: Any])?["subspace"] as? String == "sub")
        #expect((task["ipt"] as? [String: Any])?["subspaceHash"] as? String == section?["hash"] as? String)
        #expect(FileManager.default.fileExists(atPath: tasks.appendingPathComponent("mood/best/ipt.safetensors").path))
        try FileManager.default.removeItem(at: tasks.appendingPathComponent("mood/best"))
        try FileManager.default.removeItem(at: tasks.appendingPathComponent("mood/checkpoints"))
        try FileManager.default.removeItem(at: tasks.appendingPathComponent("sub/checkpoints"))

        let validate = try await CLIRunner.run(["tasks", "validate", "--tasks", tasks.path, "--model", "models/default"])
        #expect(validate.status == 0 && validate.stdout.contains("1 IPT subspaces"), "\(validate.stdout) \(validate.stderr)")
        let eval = try await CLIRunner.run(["eval", "--tasks", tasks.path, "--task", "mood", "--data", "models/data/sentiment-val.jsonl", "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect((try eval.json()["examples"] as? NSNumber)?.intValue == 4)
        let exported = try await CLIRunner.run(["tasks", "export", "--tasks", tasks.path, "--model", "models/default", "mood",
                                                "--out", root.appendingPathComponent("peft").path])
        #expect(exported.status == 0, "\(exported.stderr)")
        let imported = try await CLIRunner.run(["tasks", "import", "--tasks", tasks.path, "--model", "models/default",
                                                root.appendingPathComponent("peft").path, "--name", "mood-peft"])
        #expect(imported.status == 0, "\(imported.stderr)")
        // Removing the subspace while its task is there is refused.
        let remove = try await CLIRunner.run(["tasks", "remove", "--tasks", tasks.path, "--model", "models/default", "sub"])
        #expect(remove.status != 0 && remove.stderr.contains("IPT subspace 'sub' is used by tasks [\"mood\"]"), "\(remove.stderr)")
    }
}
