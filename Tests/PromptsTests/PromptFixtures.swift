// Shared helpers of the Prompts tests: fixture paths (relative to this file), golden.json decoding (written by
// Tests/Fixtures/make_prompt_fixtures.py), scratch copies of the fixture tasks directory, and a closeness check that
// names the first mismatch and the max difference.
import Foundation
import Kernels
import SafeTensors
import Testing
@testable import Prompts
import T5

enum PromptFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/prompts")
    static let modelDirectory = root.appendingPathComponent("model")
    static let tasksDirectory = root.appendingPathComponent("tasks")
    /// Static prompts in the other file encodings (.npy '<f2', format 2.0 and 3.0; F16 and BF16 safetensors).
    static let encodingsDirectory = root.appendingPathComponent("encodings")
    /// static-a as exported by Album (`album tasks export`), the adapter PEFT loaded for `golden.peftExport`.
    static let peftExportDirectory = root.appendingPathComponent("peft-export")

    struct Case: Decodable {
        let task: String
        let input: [Int]
        let target: [Int]
        let prompt: [Float]
        let promptShape: [Int]
        let logLikelihood: Double
        let greedy: [Int]
        let weights: [Float]?
    }

    struct Golden: Decodable {
        let fingerprint: String
        let albumHash: String
        let dModel: Int
        let vocab: Int
        /// References run in float64 ("torch.float64").
        let referenceDType: String
        let greedyMaxNewTokens: Int
        /// Every greedy golden has at least this many distinct content tokens (not pad, not EOS).
        let minDistinct: Int
        let cases: [Case]
        /// One case per file in `encodingsDirectory`, `task` = the folder name.
        let encodings: [Case]
        /// PEFT's own results on the adapter in `peftExportDirectory` (task "peft-export").
        let peftExport: [Case]
    }

    static let golden: Golden = try! JSONDecoder().decode(Golden.self, from: Data(contentsOf: root.appendingPathComponent("golden.json")))

    static let model: BaseModelInfo = try! BaseModelInfo(checkpoint: modelDirectory)

    /// The fixture model's embedding table (V, d), read straight from the checkpoint.
    static let embedding: Tensor = {
        let file = try! SafeTensorsFile(url: modelDirectory.appendingPathComponent("model.safetensors"))
        let table = Tensor(uninitialized: file.tensors["shared.weight"]!.shape)  // (V, d)
        try! file.read("shared.weight", into: table.data)
        return table
    }()

    /// X = E[ids] (n, d).
    static func embed(_ ids: [Int]) -> Tensor {
        let d = embedding.shape[1]
        let x = Tensor(uninitialized: [ids.count, d])
        for (i, id) in ids.enumerated() { (x.data + i * d).update(from: embedding.data + id * d, count: d) }
        return x
    }

    /// A fresh copy of the fixture tasks directory in a temporary location.
    static func scratchTasks(_ names: [String]? = nil) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("album-prompts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for name in try names ?? FileManager.default.contentsOfDirectory(atPath: tasksDirectory.path) {
            try FileManager.default.copyItem(at: tasksDirectory.appendingPathComponent(name), to: url.appendingPathComponent(name))
        }
        return url
    }

    /// Loads every fixture artifact once (albums first).
    static func loadAll() throws -> TaskSnapshot {
        let registry = try TaskRegistry(directory: tasksDirectory, model: model)
        return registry.snapshot()
    }
}

/// Expects |a − b| ≤ atol + rtol·|b| element-wise; the failure names the first bad index and the max difference.
func expectClose(_ actual: [Float], _ expected: [Float], atol: Float, rtol: Float = 0, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    guard actual.count == expected.count else { return }
    var first: Int? = nil
    var maxDiff: Float = 0
    for i in actual.indices {
        let diff = abs(actual[i] - expected[i])
        maxDiff = max(maxDiff, diff)
        if first == nil && !(diff <= atol + rtol * abs(expected[i])) { first = i }
    }
    #expect(first == nil, "\(what): first mismatch at \(first ?? -1) (\(first.map { actual[$0] } ?? 0) vs \(first.map { expected[$0] } ?? 0)), max |diff| \(maxDiff), atol \(atol) rtol \(rtol)", sourceLocation: sourceLocation)
}

/// Encodes (task, ids) rows the way the engine does: each row's prompt from `PromptBuilder`, `[P ; E[ids]]` packed by
/// the model.
func encodeThroughPrompts(_ model: T5Model, _ rows: [(task: LoadedTask, ids: [Int32])]) throws
    -> (encoded: [EncoderOutput], prompts: [RowPrompt])
{
    let prompts = PromptBuilder.prompts(for: try rows.map { PromptRow(task: $0.task, input: try model.embed($0.ids)) })
    let encoded = try model.encode(rows: zip(prompts, rows).map { EncoderRow(prompt: $0.prompt, tokens: $1.ids) })
    return (encoded, prompts)
}
