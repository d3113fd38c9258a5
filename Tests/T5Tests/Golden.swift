// Decoded form of Tests/Fixtures/t5/<variant>/golden.json (written by Tests/Fixtures/make_t5_fixtures.py from HF
// transformers run in float64), and loading of the tiny checkpoints it describes.
import Foundation
import T5
import TestSupport

struct Golden: Decodable {
    struct Score: Decodable {
        let input: Int
        let target: Int
        let logprob: Double
    }
    struct Greedy: Decodable {
        let ids: [Int32]
        let min_margin: Double
    }
    struct Beam: Decodable {
        let input: Int
        let num_beams: Int
        let max_new_tokens: Int
        let length_penalty: Float
        let early_stopping: EarlyStoppingValue
        let ids: [Int32]
    }
    /// HF's early_stopping: true, false or "never".
    enum EarlyStoppingValue: Decodable, CustomStringConvertible {
        case bool(Bool)
        case never
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let flag = try? c.decode(Bool.self) { self = .bool(flag) } else { self = .never }
        }
        var mode: EarlyStopping {
            switch self {
            case .bool(let flag): flag ? .always : .heuristic
            case .never: .never
            }
        }
        var description: String {
            switch self {
            case .bool(let flag): "\(flag)"
            case .never: "never"
            }
        }
    }
    /// One traced (input, target) pair: its tensors in hidden.safetensors are named "<prefix><layer>".
    struct Hidden: Decodable {
        let prefix: String
        let input: [Int32]
        let target: [Int32]
    }
    struct Meta: Decodable {
        let transformers: String
        let torch: String
        let reference_dtype: String
        let min_distinct: Int
        let min_margin: Double
    }

    let meta: Meta
    let parameter_count: Int
    let inputs: [[Int32]]
    let targets: [[Int32]]
    let scores: [Score]
    let greedy: [Greedy]
    let beam: [Beam]
    let hidden: [Hidden]
    /// A few stored tensors as torch widens them to float32 ("shared.weight[5]" is one row).
    let stored_values: [String: [Float]]

    static func load(_ variant: String, filePath: String = #filePath) throws -> Golden {
        let url = Fixtures.url("t5/\(variant)/golden.json", filePath: filePath)
        return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }
}

enum TinyModels {
    static let variants = ["v10_relu_tied", "v11_gated_untied", "bf16_sharded", "f16_gelu"]

    static func directory(_ variant: String, filePath: String = #filePath) -> URL {
        Fixtures.url("t5/\(variant)", filePath: filePath)
    }

    static func load(_ variant: String, filePath: String = #filePath) throws -> T5Model {
        try T5Model.load(directory: directory(variant, filePath: filePath))
    }
}
