// Metrics against scipy values (Tests/Fixtures/make_metric_fixtures.py) and hand-checkable cases, SPoT similarity,
// and data errors that name the file and line.
import Foundation
import Kernels
import Prompts
import Testing
import Training

@Suite struct TrainerDataTests {
    @Test func metricsMatchScipy() throws {
        let url = TrainerFixture.root.appendingPathComponent("Tests/Fixtures/metrics/golden.json")
        let golden = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Double])
        let ref = ["0", "1", "1", "0", "1", "0"], pred = ["0", "1", "0", "0", "1", "1"]
        #expect(abs(Metrics.matthews(pred, ref) - golden["mcc"]!) < 1e-12)
        #expect(abs(Metrics.f1(pred, ref, positive: "1") - golden["f1"]!) < 1e-12)
        #expect(abs(Metrics.spearman([1, 2, 2, 3, 5], [2, 1, 4, 4, 6]) - golden["spearman_ties"]!) < 1e-12)
        #expect(abs(Metrics.pearson([1, 2, 3, 4], [2, 1, 4, 3]) - golden["pearson"]!) < 1e-12)
        #expect(Metrics.ranks([3, 1, 3, 2]) == [3.5, 1, 3.5, 2])
        #expect(Metrics.accuracy(pred, ref) == 4.0 / 6)
    }

    @Test func similarityMetrics() {
        let a = Tensor(shape: [2, 2], values: [1, 0, 0, 1]), b = Tensor(shape: [2, 2], values: [1, 0, 1, 0])
        #expect(abs(PromptSimilarity.similarity(a, b, metric: .averageCosine) - 1 / 2.0.squareRoot()) < 1e-12)
        #expect(abs(PromptSimilarity.similarity(a, b, metric: .perTokenCosine) - 0.5) < 1e-12)
        let average = PromptSimilarity.weightedAverage([(a, 0.75), (b, 0.25), (a, -1)], k: 3)
        #expect(average?.array == [1, 0, 0.25, 0.75])
    }

    @Test func malformedLinesNameFileAndLine() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("album-bad-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("{\"input\": \"a\", \"target\": \"b\"}\n{\"input\": 3}\n".utf8).write(to: file)
        #expect(throws: TrainingError.malformedLine(file: file.path, line: 2, reason: "\"input\" must be a string")) {
            _ = try Dataset.jsonLines(file)
        }
        let tokenizer = try TrainerFixture.tokenizer()
        let encoder = ExampleEncoder(tokenizer: tokenizer, template: try InputTemplate("s: {sentence}", path: "t"),
                                     labels: ["negative", "positive"], maxSourceLength: 4)
        let bad = Example(source: .fields(["sentence": "x"]), target: "7", line: 9)
        #expect(throws: TrainingError.self) { _ = try encoder.encode(bad, file: "f.jsonl") }
        let long = try encoder.encode(Example(source: .fields(["sentence": "a great film indeed"]), target: "1", line: 1), file: "f")
        #expect(long.input.count == 4 && long.input.last == 1 && long.targetText == "positive")
    }
}
