// `album bench` on the bundled tiny model with the smallest workload: every section is printed with rows for the
// requested batch sizes and workload, and the measured rates are positive; `bench --train` prints only the machine
// and the prompt-tuning table, one row per batch size with a positive rate and peak RSS.
import Foundation
import Testing

@Suite struct BenchCommandTests {
    @Test func benchPrintsEverySectionForTheRequestedWorkload() async throws {
        let result = try await CLIRunner.run(["bench", "--model", "models/default", "--length", "8", "--batch-sizes", "1,2",
                                        "--steps", "2", "--repeats", "1", "--tokenizer-mb", "0.01"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "# album bench")
        let titles = lines.filter { $0.hasPrefix("## ") }
        #expect(titles.count == 9, "sections: \(titles)")
        for title in ["## Machine", "## Linear layers on T5 shapes", "## Encoder", "## Greedy decode steps", "## Whole requests",
                      "## Resident memory", "## LM head per decode step", "## SPE prompts", "## Tokenizer throughput"] {
            #expect(titles.contains { $0.hasPrefix(title) }, "missing \(title)")
        }
        #expect(lines.contains { $0.hasPrefix("- Model: models/default: d_model 128, inner 128, d_ff 512, layers 4/4, vocab 843, ")
            && $0.hasSuffix(" parameters") })
        #expect(lines.contains("- Workload: 8 encoder tokens per request, 2 decode steps, best of 1"))

        // Encoder: one row per batch size, tokens = batch × length, positive rates.
        for (batch, tokens) in [(1, 8), (2, 16)] {
            let row = try #require(lines.first { $0.hasPrefix("| \(batch) | \(tokens) |") }, "encoder row for batch \(batch)")
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            // ms / batch may round to 0.0 on a fast machine; the rates may not be 0.
            #expect(cells.count == 5 && Double(cells[2]) != nil && cells.dropFirst(3).allSatisfy { (Double($0) ?? 0) > 0 },
                    "row \(row)")
        }
        // Whole requests: the requested sizes plus 1 and 8, each with `length` tokens in.
        for batch in [1, 2, 8] { #expect(lines.contains { $0.hasPrefix("| \(batch) | 8 |") }, "request row for batch \(batch)") }
        #expect(lines.contains { $0.hasPrefix("| LM head, B=1 | 1 × 128 × 843 |") })
        #expect(lines.contains { $0.hasPrefix("tokenizer: ") && $0.hasSuffix("models/default") })
        // Resident memory: both points, positive, the peak at least the current size.
        for point in ["after model load", "after the request benchmarks"] {
            let row = try #require(lines.first { $0.hasPrefix("| \(point) |") }, "memory row \(point)")
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(cells.count == 3 && (Double(cells[1]) ?? 0) > 0 && (Double(cells[2]) ?? 0) >= (Double(cells[1]) ?? .infinity),
                    "row \(row)")
        }
        // LM head: the tied model's row-dot path and the former transposed copy, at batch 1 and 16.
        for path in ["row-dot on the embedding", "transposed copy (before)"] {
            for batch in [1, 16] { #expect(lines.contains { $0.hasPrefix("| \(path) | \(batch) |") }, "\(path), batch \(batch)") }
        }
        // SPE: the share rows at batch 1 and 16 and the three batches of 16, the first the unit of the ratio.
        for batch in [1, 16] { #expect(lines.contains { $0.hasPrefix("| \(batch) | ") && $0.hasSuffix(" % |") }, "SPE share, batch \(batch)") }
        let single = try #require(lines.first { $0.hasPrefix("| 1 SPE task |") })
        #expect(single.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }[4] == "1.000", "\(single)")
        #expect(lines.contains { $0.hasPrefix("| 16 tasks: 8 SPE (2 albums, 2 ATTEMPT) + 8 static |") })
        let tokenizer = try #require(lines.first { $0.hasPrefix("| album (Swift) |") })
        #expect(tokenizer.contains("| 1 thread, encode() per line |"))
    }

    @Test func benchTrainPrintsThePromptTuningTable() async throws {
        let result = try await CLIRunner.run(["bench", "--train", "--model", "models/default", "--length", "12",
                                              "--prompt-length", "4", "--target-length", "2", "--train-batch-sizes", "1,2",
                                              "--train-steps", "1"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let titles = lines.filter { $0.hasPrefix("## ") }
        #expect(titles.count == 2 && titles[0] == "## Machine" && titles[1].hasPrefix("## Prompt tuning"), "sections: \(titles)")
        #expect(lines.contains { $0.hasPrefix("- 4 prompt + 8 input positions, 2 target tokens, dropout 0.1") })
        #expect(lines.contains("| batch | ms / step (median) | ms / step (best) | examples/s | peak RSS (MiB) |"))
        for batch in [1, 2] {
            let row = try #require(lines.first { $0.hasPrefix("| \(batch) | ") }, "row for batch \(batch)")
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(cells.count == 5 && Double(cells[1]) != nil && Double(cells[2]) != nil
                && (Double(cells[3]) ?? 0) > 0 && (Double(cells[4]) ?? 0) > 0, "row \(row)")
        }
    }

    @Test func benchJSONHasEveryTableRow() async throws {
        let result = try await CLIRunner.run(["bench", "--json", "--train", "--model", "models/default", "--length", "12",
                                              "--prompt-length", "4", "--target-length", "2", "--train-batch-sizes", "1,2",
                                              "--train-steps", "1"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let sections = try #require(object?["sections"] as? [[String: Any]])
        #expect(sections.map { $0["title"] as? String ?? "" }.first == "Machine" && sections.count == 2)
        let notes = try #require(sections[0]["notes"] as? [String])
        #expect(notes.contains { $0.hasPrefix("Model: models/default: d_model 128") }, "\(notes)")
        let tables = try #require(sections[1]["tables"] as? [[String: Any]])
        #expect(tables.count == 1)
        let columns = try #require(tables[0]["columns"] as? [String])
        #expect(columns == ["batch", "ms / step (median)", "ms / step (best)", "examples/s", "peak RSS (MiB)"])
        let rows = try #require(tables[0]["rows"] as? [[String: Any]])
        #expect(rows.map { $0["batch"] as? Double } == [1, 2])
        #expect(rows.allSatisfy { ($0["examples/s"] as? Double ?? 0) > 0 }, "\(rows)")
    }

    @Test func benchTrainRejectsAPromptAsLongAsTheLength() async throws {
        let result = try await CLIRunner.run(["bench", "--train", "--model", "models/default", "--length", "4",
                                              "--prompt-length", "4"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--prompt-length"))
    }
}
