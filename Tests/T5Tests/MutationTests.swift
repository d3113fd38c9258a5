// The parity suite can fail: each tiny checkpoint is loaded with a deliberately wrong config (layer-norm epsilon,
// relative-attention buckets and max distance, the tied-head rescale, the feed-forward variant) and the same checks
// ParityTests runs (ParityCheck) must report a mismatch, or the strict loader must reject the config by name.
// Controls: an unchanged copy and an equivalent older-style config pass every check.
import Foundation
import SafeTensors
import T5
import Testing
import TestSupport

/// A scratch copy of a whole fixture checkpoint (every shard) whose config.json, and for single-file checkpoints
/// whose tensors, a test can change.
struct MutatedCheckpoint {
    let variant: String
    let url: URL

    init(_ variant: String) throws {
        self.variant = variant
        url = try Fixtures.temporaryDirectory("album-mutation")
        let source = TinyModels.directory(variant)
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path)
        where name.hasPrefix("model") || name == "config.json" {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: url.appendingPathComponent(name))
        }
    }

    func editConfig(_ change: (inout [String: Any]) -> Void) throws {
        let configURL = url.appendingPathComponent("config.json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
        change(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: configURL)
    }

    /// Rewrites model.safetensors (F32 single-file checkpoints) with `change` applied to its tensors.
    func editTensors(_ change: (inout [String: (shape: [Int], values: [Float])]) -> Void) throws {
        let weights = url.appendingPathComponent("model.safetensors")
        let file = try SafeTensorsFile(url: weights)
        var tensors: [String: (shape: [Int], values: [Float])] = [:]
        for name in file.names { tensors[name] = (try #require(file.tensors[name]).shape, try file.floats(name)) }
        change(&tensors)
        try SafeTensorsWriter.write(tensors.map { .init(name: $0.key, shape: $0.value.shape, values: $0.value.values) },
                                    to: weights)
    }

    func load() throws(T5Error) -> T5Model { try T5Model.load(directory: url) }

    /// The parity checks of the fixture variant, run on this copy.
    func failures() throws -> [String] { try ParityCheck(variant: variant, model: load()).failures() }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// A wrong config and what must happen when Album loads it.
struct Mutation: CustomTestStringConvertible, Sendable {
    enum Outcome: Sendable {
        case parityFails
        case loadFails(T5Error)
    }
    let variant: String
    let change: String
    let config: @Sendable (inout [String: Any]) -> Void
    var tensors: (@Sendable (inout [String: (shape: [Int], values: [Float])]) -> Void)? = nil
    let outcome: Outcome

    var testDescription: String { "\(variant): \(change)" }
}

/// Keeps the first `rows` rows of a relative-attention table (num_buckets, heads).
@Sendable func truncateBiasTables(_ tensors: inout [String: (shape: [Int], values: [Float])], rows: Int) {
    for stack in ["encoder", "decoder"] {
        let name = "\(stack).block.0.layer.0.SelfAttention.relative_attention_bias.weight"
        guard let table = tensors[name] else { continue }
        let heads = table.shape[1]
        tensors[name] = ([rows, heads], Array(table.values.prefix(rows * heads)))
    }
}

@Suite struct MutationTests {
    static let mutations: [Mutation] = [
        // layer_norm_epsilon: ignoring the config (HF's default is 1e-6) or a wrong value.
        Mutation(variant: "v11_gated_untied", change: "layer_norm_epsilon 1e-5 → 1e-6 (the default)",
                 config: { $0["layer_norm_epsilon"] = 1e-6 }, outcome: .parityFails),
        Mutation(variant: "v10_relu_tied", change: "layer_norm_epsilon 1e-6 → 1e-5",
                 config: { $0["layer_norm_epsilon"] = 1e-5 }, outcome: .parityFails),
        Mutation(variant: "bf16_sharded", change: "layer_norm_epsilon 1e-6 → 1e-5",
                 config: { $0["layer_norm_epsilon"] = 1e-5 }, outcome: .parityFails),
        Mutation(variant: "f16_gelu", change: "layer_norm_epsilon 1e-6 → 1e-5",
                 config: { $0["layer_norm_epsilon"] = 1e-5 }, outcome: .parityFails),
        // relative_attention_max_distance.
        Mutation(variant: "v11_gated_untied", change: "relative_attention_max_distance 20 → 128 (the default)",
                 config: { $0["relative_attention_max_distance"] = 128 }, outcome: .parityFails),
        Mutation(variant: "v10_relu_tied", change: "relative_attention_max_distance 128 → 64",
                 config: { $0["relative_attention_max_distance"] = 64 }, outcome: .parityFails),
        // relative_attention_num_buckets: the table's shape disagrees, or a consistent table with the wrong count.
        Mutation(variant: "v10_relu_tied", change: "relative_attention_num_buckets 32 → 16",
                 config: { $0["relative_attention_num_buckets"] = 16 },
                 outcome: .loadFails(.shapeMismatch(name: "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
                                                    expected: [16, 4], got: [32, 4]))),
        Mutation(variant: "v11_gated_untied", change: "relative_attention_num_buckets 16 → 8, tables cut to 8 rows",
                 config: { $0["relative_attention_num_buckets"] = 8 }, tensors: { truncateBiasTables(&$0, rows: 8) },
                 outcome: .parityFails),
        // The tied head's d_model^-0.5 rescale: flipped, or decided by tie_word_embeddings alone.
        Mutation(variant: "v10_relu_tied", change: "scale_decoder_outputs true → false",
                 config: { $0["scale_decoder_outputs"] = false }, outcome: .parityFails),
        Mutation(variant: "f16_gelu", change: "scale_decoder_outputs true → false",
                 config: { $0["scale_decoder_outputs"] = false }, outcome: .parityFails),
        Mutation(variant: "v11_gated_untied", change: "scale_decoder_outputs dropped (tie_word_embeddings true decides)",
                 config: { $0["scale_decoder_outputs"] = nil }, outcome: .parityFails),
        Mutation(variant: "v10_relu_tied", change: "tie_word_embeddings false without scale_decoder_outputs",
                 config: { $0["scale_decoder_outputs"] = nil; $0["tie_word_embeddings"] = false },
                 outcome: .loadFails(.missingTensor(name: "lm_head.weight"))),
        // Gated versus plain feed-forward, and the activation.
        Mutation(variant: "v11_gated_untied", change: "feed_forward_proj gated-gelu → gelu",
                 config: { $0["feed_forward_proj"] = "gelu" },
                 outcome: .loadFails(.missingTensor(name: "encoder.block.0.layer.1.DenseReluDense.wi.weight"))),
        Mutation(variant: "v10_relu_tied", change: "feed_forward_proj relu → gated-relu",
                 config: { $0["feed_forward_proj"] = "gated-relu" },
                 outcome: .loadFails(.missingTensor(name: "encoder.block.0.layer.1.DenseReluDense.wi_0.weight"))),
        Mutation(variant: "v11_gated_untied", change: "feed_forward_proj gated-gelu → gated-relu",
                 config: { $0["feed_forward_proj"] = "gated-relu" }, outcome: .parityFails),
        Mutation(variant: "bf16_sharded", change: "feed_forward_proj gated-relu → gated-silu",
                 config: { $0["feed_forward_proj"] = "gated-silu" }, outcome: .parityFails),
        Mutation(variant: "f16_gelu", change: "feed_forward_proj gelu → gelu_new (tanh approximation)",
                 config: { $0["feed_forward_proj"] = "gelu_new" }, outcome: .parityFails),
        Mutation(variant: "v10_relu_tied", change: "feed_forward_proj relu → gelu",
                 config: { $0["feed_forward_proj"] = "gelu" }, outcome: .parityFails),
    ]

    @Test(arguments: mutations)
    func wrongConfigIsCaught(mutation: Mutation) throws {
        let copy = try MutatedCheckpoint(mutation.variant)
        defer { copy.remove() }
        try copy.editConfig(mutation.config)
        if let tensors = mutation.tensors { try copy.editTensors(tensors) }
        switch mutation.outcome {
        case .parityFails:
            let failures = try copy.failures()
            #expect(!failures.isEmpty, "\(mutation.testDescription) passed every parity check")
        case .loadFails(let expected):
            #expect(throws: expected) { try copy.load() }
        }
    }

    /// The harness itself passes an unchanged copy (every shard copied) and an equivalent older-style config
    /// (transformers 4: no scale_decoder_outputs, tie_word_embeddings saying what the checkpoint holds).
    @Test(arguments: TinyModels.variants)
    func controlsPassEveryCheck(variant: String) throws {
        let copy = try MutatedCheckpoint(variant)
        defer { copy.remove() }
        #expect(try copy.failures() == [])
        let separateHead = try copy.load().hasSeparateLMHead
        try copy.editConfig {
            $0["scale_decoder_outputs"] = nil
            $0["tie_word_embeddings"] = !separateHead
        }
        #expect(try copy.failures() == [])
    }
}
