// `album train model` through the built binary: from the demo checkpoint on seq2seq JSON lines and from a bare
// config.json on span-corrupted text; the output directory is a checkpoint `album score` loads (with its tokenizer),
// the log has one JSON line per step, and bad invocations fail with a message and a non-zero status.
import Foundation
import Testing

@Suite struct TrainModelCommandTests {
    static let demoModel = CLIRunner.repositoryRoot.appendingPathComponent("models/default").path

    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("album-train-cli-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func trainsFromACheckpointAndWritesALoadableOne() async throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let data = scratch.appendingPathComponent("pairs.jsonl")
        try """
            {"input": "the cat sat on the mat", "target": "cat"}
            {"input": "a dog ran to the river", "target": "dog"}
            {"input": "the bird sang", "target": "bird"}

            """.write(to: data, atomically: true, encoding: .utf8)
        let out = scratch.appendingPathComponent("out"), log = scratch.appendingPathComponent("log.jsonl")
        let result = try await CLIRunner.run(["train", "model", "--model", Self.demoModel, "--data", data.path,
                                        "--objective", "seq2seq", "--out", out.path, "--steps", "4", "--batch-size", "2",
                                        "--lr", "1e-3", "--seed", "3", "--save-every", "2", "--log", log.path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let summary = try result.json()
        #expect(summary["steps"] as? Int == 4)
        #expect((summary["final_loss"] as? Double).map { $0.isFinite && $0 > 0 } == true)
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: out.path))
        for name in ["config.json", "model.safetensors", "tokenizer.json", "spiece.model", "checkpoint-2"] {
            #expect(names.contains(name), "\(name) missing from \(names.sorted())")
        }
        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["step"] as? Int == 1 && first["loss"] is Double && first["lr"] is Double)
        let score = try await CLIRunner.run(["score", "--model", out.path, "--text", "the cat sat", "--target", "cat", "--json"])
        #expect(score.status == 0, "stderr: \(score.stderr)")
        #expect((try score.json()["logprob"] as? Double).map { $0 < 0 } == true)
    }

    @Test func trainsFromAConfigWithSpanCorruption() async throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let config = scratch.appendingPathComponent("config.json")
        try """
            {"model_type": "t5", "vocab_size": 843, "d_model": 16, "d_kv": 4, "num_heads": 2, "d_ff": 32,
             "num_layers": 1, "num_decoder_layers": 1, "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false}
            """.write(to: config, atomically: true, encoding: .utf8)
        let text = scratch.appendingPathComponent("text.txt")
        try "the cat sat on the mat and looked at the dog\na small dog ran across the field to the river\n"
            .write(to: text, atomically: true, encoding: .utf8)
        let out = scratch.appendingPathComponent("out")
        let arguments = ["train", "model", "--config", config.path, "--tokenizer", Self.demoModel, "--data", text.path,
                         "--objective", "span-corruption", "--out", out.path, "--steps", "3", "--batch-size", "2",
                         "--lr", "1e-2", "--optimizer", "adafactor", "--schedule", "constant", "--seed", "1", "--bf16"]
        let result = try await CLIRunner.run(arguments)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(try result.json()["steps"] as? Int == 3)
        let saved = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: out.appendingPathComponent("config.json"))) as? [String: Any])
        #expect(saved["dtype"] as? String == "bfloat16" && saved["tie_word_embeddings"] as? Bool == false)
        let inspect = try await CLIRunner.run(["score", "--model", out.path, "--text", "the dog", "--target", "the cat", "--json"])
        #expect(inspect.status == 0, "stderr: \(inspect.stderr)")
        // Same seed, same run: the summary (final loss) repeats exactly.
        let again = try await CLIRunner.run(arguments)
        #expect(try again.json()["final_loss"] as? Double == result.json()["final_loss"] as? Double)
    }

    @Test func badInvocationsFailClearly() async throws {
        let cases: [([String], String)] = [
            (["train", "model", "--data", "x", "--out", "y", "--steps", "1"], "--model or --config"),
            (["train", "model", "--config", "c.json", "--data", "x", "--out", "y", "--steps", "1"], "--tokenizer"),
            (["train", "model", "--model", Self.demoModel, "--data", "x", "--out", "y", "--steps", "1",
              "--objective", "mlm"], "--objective"),
            (["train", "model", "--model", Self.demoModel, "--data", "/nonexistent/data.jsonl", "--out", "y",
              "--steps", "1"], "/nonexistent/data.jsonl"),
        ]
        for (arguments, message) in cases {
            let result = try await CLIRunner.run(arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }
}
