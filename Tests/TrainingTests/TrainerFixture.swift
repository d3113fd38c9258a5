// Shared set-up of the trainer tests: the bundled demo model (models/default, with its tokenizer), a toy sentiment
// dataset (models/data) tokenized with the sentiment template, and a short prompt-tuning configuration.
import Foundation
import Kernels
import Prompts
import T5
import Tokenization
import Training

enum TrainerFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static var modelURL: URL { root.appendingPathComponent("models/default") }

    static func model() throws -> T5Model { try T5Model.load(directory: modelURL) }
    static func tokenizer() throws -> Tokenizer { try Tokenizer.load(directory: modelURL) }
    static func info() throws -> BaseModelInfo { try BaseModelInfo(checkpoint: modelURL) }

    static func examples(_ tokenizer: Tokenizer, file: String = "sentiment-train.jsonl") throws -> [EncodedExample] {
        let encoder = ExampleEncoder(tokenizer: tokenizer, template: try InputTemplate("sst2 sentence: {sentence}", path: "test"),
                                     labels: ["negative", "positive"], maxSourceLength: 64)
        return try encoder.encode(Dataset.jsonLines(root.appendingPathComponent("models/data/\(file)")))
    }

    static func configuration(steps: Int) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.steps = steps
        c.batchSize = 4
        c.seed = 7
        c.warmupSteps = 2
        return c
    }

    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("album-trainer-\(UUID().uuidString)")
    }
}
