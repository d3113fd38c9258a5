// Decoded form of Tests/Fixtures/gradients/golden.json and its t5_<variant>.safetensors (written by
// Tests/Fixtures/make_gradient_fixtures.py): the batch, HF's losses, AdamW settings and prompt-tuning loss traces.
import Foundation
import Kernels
import SafeTensors
import T5
import TestSupport

struct GradientGolden: Decodable {
    struct Example: Decodable {
        let input: [Int32]
        let labels: [Int32]
    }
    struct Variant: Decodable {
        let batch: [Example]
        let loss: Double
        let smoothedLoss: Double
        let promptTuningTrace: [Double]
        let parameters: [String]
    }
    struct AdamWSettings: Decodable {
        let lr: Double
        let weight_decay: Double
        let betas: [Double]
        let eps: Double
    }

    let labelSmoothing: Float
    let steps: Int
    let promptTuning: AdamWSettings
    let t5: [String: Variant]

    static func load(filePath: String = #filePath) throws -> GradientGolden {
        try JSONDecoder().decode(GradientGolden.self,
                                 from: Data(contentsOf: Fixtures.url("gradients/golden.json", filePath: filePath)))
    }

    static func tensors(_ variant: String, filePath: String = #filePath) throws -> SafeTensorsFile {
        try SafeTensorsFile(url: Fixtures.url("gradients/t5_\(variant).safetensors", filePath: filePath))
    }

    /// The batch as training examples, every example prefixed by `prompt` (l, d).
    static func examples(_ batch: [Example], prompt: Tensor?) -> [TrainingExample] {
        batch.map { TrainingExample(input: EncoderRow(prompt: prompt, tokens: $0.input), labels: $0.labels) }
    }
}

extension SafeTensorsFile {
    /// Tensor `name` as a Tensor of its stored shape.
    func tensor(_ name: String) throws -> Tensor {
        guard let info = tensors[name] else { throw SafeTensorsError.missingTensor(name: name) }
        return Tensor(shape: info.shape, values: try floats(name))
    }
}
