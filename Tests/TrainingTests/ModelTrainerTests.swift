// Full-parameter training of a tiny T5 (ModelTrainer): the loss falls on a memorisable seq2seq set with AdamW and
// Adafactor, the checkpoints it writes load in T5Model.load and score exactly like the model in memory, two runs with
// the same seed are identical, span corruption trains through the data loader with a real tokenizer.
import Foundation
import Kernels
import T5
import Testing
import TestSupport
import Tokenization
import Training

@Suite struct ModelTrainerTests {
    static func tinyModel(seed: UInt64 = 1) throws -> T5Model {
        var config = T5Config()
        (config.vocabSize, config.dModel, config.dKV, config.numHeads, config.dFF) = (32, 16, 4, 2, 32)
        (config.numLayers, config.numDecoderLayers, config.feedForwardProj) = (1, 1, "gated-gelu")
        (config.relativeAttentionNumBuckets, config.relativeAttentionMaxDistance) = (8, 16)
        return try T5Model.initialized(config: config, seed: seed)
    }

    /// 8 pairs "reverse three tokens": [a, b, c, </s>] → [c, b, a, </s>].
    static let reversal: ModelTrainingData = {
        let inputs: [[Int32]] = (0..<8).map { (i: Int) -> [Int32] in
            let a = Int32(2 + i), b = Int32(10 + (i * 3) % 8), c = Int32(20 + (i * 5) % 8)
            return [a, b, c, 1]
        }
        let targets = inputs.map { Array($0.dropLast().reversed()) + [1] }
        return ModelTrainingData(objective: .seq2seq, inputs: inputs, targets: targets, sentinels: [], eos: 1)
    }()

    static func batch(_ data: ModelTrainingData) -> [TrainingExample] {
        zip(data.inputs, data.targets).map { TrainingExample(input: EncoderRow(prompt: nil, tokens: $0), labels: $1) }
    }

    @Test(arguments: [(ModelTrainingOptions.OptimizerKind.adamw, 1e-2), (.adafactor, 1e-2)])
    func lossFallsOnATinySeq2seqSet(optimizer: ModelTrainingOptions.OptimizerKind, lr: Double) throws {
        let model = try Self.tinyModel()
        let before = try model.loss(batch: Self.batch(Self.reversal))
        var options = ModelTrainingOptions(steps: 50, batchSize: 4, learningRate: lr, seed: 9)
        options.optimizer = optimizer
        options.dropout = 0
        let history = try ModelTrainer(model: model, data: Self.reversal, options: options).run(output: nil)
        #expect(history.count == 50)
        #expect(history.map(\.step) == Array(1...50))
        let after = try model.loss(batch: Self.batch(Self.reversal))
        #expect(after < 0.4 * before, "\(optimizer): loss \(before) → \(after)")
        let first: Double = history.prefix(5).map(\.loss).reduce(0, +)
        let last: Double = history.suffix(5).map(\.loss).reduce(0, +)
        #expect(last < 0.5 * first, "\(optimizer): \(history.map(\.loss))")
        let lastRate: Double = history.last?.learningRate ?? 1
        #expect(lastRate < lr)  // linear decay
    }

    @Test func writtenCheckpointsLoadAndScoreLikeTheModelInMemory() throws {
        let output = try Fixtures.temporaryDirectory("album-train")
        defer { try? FileManager.default.removeItem(at: output) }
        let model = try Self.tinyModel()
        var options = ModelTrainingOptions(steps: 10, batchSize: 3, learningRate: 3e-3, seed: 4)
        options.saveEvery = 4
        let tokenizerDirectory = Fixtures.url("tokenizer/unigram")
        try ModelTrainer(model: model, data: Self.reversal, options: options)
            .run(output: output, tokenizerDirectory: tokenizerDirectory)
        let names: Set<String> = Set(try FileManager.default.contentsOfDirectory(atPath: output.path))
        let expected: Set<String> = ["config.json", "model.safetensors", "checkpoint-4", "checkpoint-8", "tokenizer.json",
                                     "spiece.model", "tokenizer_config.json", "special_tokens_map.json"]
        #expect(names == expected)
        let saved = try T5Model.load(directory: output)
        let batch = Self.batch(Self.reversal)
        #expect(try saved.loss(batch: batch) == model.loss(batch: batch))
        for (a, b) in zip(saved.parameters, model.parameters) {
            #expect(a.name == b.name && a.value.array == b.value.array, "\(a.name)")
        }
        // An intermediate checkpoint is a different, loadable model.
        let early = try T5Model.load(directory: output.appendingPathComponent("checkpoint-4"))
        #expect(try early.loss(batch: batch) != saved.loss(batch: batch))
        #expect(try Tokenizer.load(directory: output).vocabSize == Tokenizer.load(directory: tokenizerDirectory).vocabSize)
    }

    @Test func sameSeedSameRun() throws {
        func train() throws -> ([ModelTrainingStep], [[Float]]) {
            let model = try Self.tinyModel(seed: 2)
            var options = ModelTrainingOptions(steps: 7, batchSize: 3, learningRate: 1e-3, seed: 5)
            options.dropout = 0.1
            let history = try ModelTrainer(model: model, data: Self.reversal, options: options).run(output: nil)
            return (history, model.parameters.map(\.value.array))
        }
        let (historyA, weightsA) = try train(), (historyB, weightsB) = try train()
        #expect(historyA == historyB)
        #expect(weightsA.map { $0.map(\.bitPattern) } == weightsB.map { $0.map(\.bitPattern) })
        #expect(Set(historyA.map(\.epoch)) == [0, 1, 2])  // 8 examples in batches of 3: 3 steps per epoch
    }

    @Test func spanCorruptionTrainsFromTextWithTheModelsTokenizer() throws {
        let directory = Fixtures.url("../../models/default")
        let tokenizer = try Tokenizer.load(directory: directory)
        let scratch = try Fixtures.temporaryDirectory("album-train")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let text = scratch.appendingPathComponent("text.txt")
        try """
            the cat sat on the mat and looked at the dog
            a small dog ran across the green field to the river

            the river was cold and the dog did not swim
            """.write(to: text, atomically: true, encoding: .utf8)
        let data = try ModelTrainingData.load(text, objective: .spanCorruption, tokenizer: tokenizer)
        #expect(data.count == 3)  // the blank line is skipped
        #expect(data.sentinels.first == tokenizer.id(of: "<extra_id_0>"))
        #expect(data.sentinels.count == 100 && data.sentinels[1] == data.sentinels[0] - 1)
        #expect(data.inputs.allSatisfy { $0.last != tokenizer.eosTokenID })
        let model = try T5Model.load(directory: directory)
        var options = ModelTrainingOptions(steps: 12, batchSize: 3, learningRate: 2e-3, seed: 1)
        options.dropout = 0
        options.schedule = .constant
        let trainer = try ModelTrainer(model: model, data: data, options: options)
        let example = try #require(try trainer.example(0, epoch: 0))
        #expect(example.labels.first == data.sentinels[0] && example.labels.last == tokenizer.eosTokenID)
        let history = try trainer.run(output: nil)
        #expect(history.allSatisfy { $0.loss.isFinite && $0.learningRate == 2e-3 })
        let first: Double = history.prefix(3).map(\.loss).reduce(0, +)
        let last: Double = history.suffix(3).map(\.loss).reduce(0, +)
        #expect(last < first, "\(history.map(\.loss))")
    }

    @Test func seq2seqDataFromJSONLines() throws {
        let tokenizer = try Tokenizer.load(directory: Fixtures.url("../../models/default"))
        let scratch = try Fixtures.temporaryDirectory("album-train")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file = scratch.appendingPathComponent("pairs.jsonl")
        try "{\"input\": \"the cat sat\", \"target\": \"a dog\"}\n{\"input\": \"the river\", \"target\": \"cold\"}\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let data = try ModelTrainingData.load(file, objective: .seq2seq, tokenizer: tokenizer, maxInputLength: 3)
        #expect(data.inputs[0] == Array(tokenizer.encode("the cat sat").prefix(2)) + [1])
        #expect(data.targets == [tokenizer.encode("a dog"), tokenizer.encode("cold")])
        try "{\"fields\": {\"a\": \"b\"}, \"label\": \"x\"}\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: TrainingError.self) { try ModelTrainingData.load(file, objective: .seq2seq, tokenizer: tokenizer) }
    }

    @Test func badOptionsAreRefused() throws {
        let model = try Self.tinyModel()
        let changes: [(inout ModelTrainingOptions) -> Void] = [
            { $0.batchSize = 0 }, { $0.learningRate = -1 }, { $0.steps = -1 }, { $0.saveEvery = 0 }, { $0.dropout = 1 },
        ]
        for change in changes {
            var options = ModelTrainingOptions(steps: 1, batchSize: 1, learningRate: 1e-3, seed: 0)
            change(&options)
            #expect(throws: ModelTrainerError.self) { try ModelTrainer(model: model, data: Self.reversal, options: options) }
        }
        let outside = ModelTrainingData(objective: .seq2seq, inputs: [[40, 1]], targets: [[3, 1]], sentinels: [], eos: 1)
        let options = ModelTrainingOptions(steps: 1, batchSize: 1, learningRate: 1e-3, seed: 0)
        #expect(throws: ModelTrainerError.self) { try ModelTrainer(model: model, data: outside, options: options).run(output: nil) }
    }
}
