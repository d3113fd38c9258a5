// T5Model.save: a saved checkpoint reloads in T5Model.load with every tensor bit-for-bit and the same scores
// (F32), BF16 saving rounds to nearest even, config.json carries what transformers reads, and each write is atomic.
import Foundation
import Kernels
import SafeTensors
import T5
import Testing
import TestSupport

@Suite struct CheckpointSaveTests {
    /// HF name → values, with the shared embedding under `shared.weight` whatever alias the checkpoint used.
    static func tensors(_ model: T5Model) -> [String: (shape: [Int], values: [Float])] {
        var out: [String: (shape: [Int], values: [Float])] = [:]
        for parameter in model.parameters {
            let name = parameter.name.hasSuffix("embed_tokens.weight") ? "shared.weight" : parameter.name
            out[name] = (parameter.value.shape, parameter.value.array)
        }
        return out
    }

    @Test(arguments: TinyModels.variants)
    func savedCheckpointRoundTripsBitForBit(variant: String) throws {
        let model = try TinyModels.load(variant)
        let directory = try Fixtures.temporaryDirectory("album-save")
        defer { try? FileManager.default.removeItem(at: directory) }
        try model.save(directory: directory)
        let reloaded = try T5Model.load(directory: directory)
        #expect(reloaded.storedDTypes == ["F32"])
        #expect(reloaded.hasSeparateLMHead == model.hasSeparateLMHead)
        #expect(reloaded.config.scalesDecoderOutput == model.config.scalesDecoderOutput)
        #expect(reloaded.parameterCount == model.parameterCount)
        let before = Self.tensors(model), after = Self.tensors(reloaded)
        #expect(before.keys.sorted() == after.keys.sorted())
        for (name, tensor) in before {
            let saved = try #require(after[name], "\(name) missing after save")
            #expect(saved.shape == tensor.shape, "\(name)")
            #expect(saved.values.map(\.bitPattern) == tensor.values.map(\.bitPattern), "\(variant): \(name) changed")
        }
        // Identical scores: the same weights through the same code.
        let golden = try Golden.load(variant)
        let items = try zip(model.encode(ids: golden.inputs), reloaded.encode(ids: golden.inputs)).map { ($0, $1) }
        let scoresBefore = try model.score(items.map { ($0.0, golden.targets) })
        let scoresAfter = try reloaded.score(items.map { ($0.1, golden.targets) })
        #expect(scoresBefore == scoresAfter)
    }

    @Test func tiedCheckpointHasNoLMHeadAndUntiedHasOne() throws {
        for (variant, separate) in [("v10_relu_tied", false), ("v11_gated_untied", true)] {
            let directory = try Fixtures.temporaryDirectory("album-save")
            defer { try? FileManager.default.removeItem(at: directory) }
            try TinyModels.load(variant).save(directory: directory)
            let file = try SafeTensorsFile(url: directory.appendingPathComponent("model.safetensors"))
            #expect((file.tensors["lm_head.weight"] != nil) == separate, "\(variant)")
            #expect(file.tensors["shared.weight"] != nil)
            #expect(file.tensors.keys.allSatisfy { !$0.contains("embed_tokens") })
            let config = try #require(try JSONSerialization.jsonObject(
                with: Data(contentsOf: directory.appendingPathComponent("config.json"))) as? [String: Any])
            #expect(config["tie_word_embeddings"] as? Bool == !separate)
            for key in ["architectures", "d_model", "d_kv", "d_ff", "num_layers", "num_decoder_layers", "num_heads",
                        "relative_attention_num_buckets", "relative_attention_max_distance", "layer_norm_epsilon",
                        "feed_forward_proj", "dense_act_fn", "is_gated_act", "vocab_size", "pad_token_id",
                        "eos_token_id", "decoder_start_token_id", "scale_decoder_outputs", "is_encoder_decoder",
                        "model_type", "dropout_rate", "initializer_factor"] {
                #expect(config[key] != nil, "config.json lacks \(key)")
            }
        }
    }

    @Test func bf16SaveRoundsToNearestEven() throws {
        let model = try TinyModels.load("v11_gated_untied")
        let directory = try Fixtures.temporaryDirectory("album-save")
        defer { try? FileManager.default.removeItem(at: directory) }
        try model.save(directory: directory, dtype: .bf16)
        let reloaded = try T5Model.load(directory: directory)
        #expect(reloaded.storedDTypes == ["BF16"])
        let after = Self.tensors(reloaded)
        for (name, tensor) in Self.tensors(model) {
            let expected = tensor.values.map { Float(bitPattern: UInt32(SafeTensorsEncoder.bfloat16($0)) << 16) }
            #expect(after[name]?.values == expected, "\(name)")
        }
    }

    @Test func bfloat16RoundingCases() {
        // 1 + 2^-8 is halfway between two bf16 values: ties go to the even one (1.0); just above rounds up.
        #expect(SafeTensorsEncoder.bfloat16(1 + 0x1p-8) == 0x3F80)
        #expect(SafeTensorsEncoder.bfloat16(1 + 0x1p-8 + 0x1p-20) == 0x3F81)
        #expect(SafeTensorsEncoder.bfloat16(1 + 3 * 0x1p-8) == 0x3F82)  // tie from odd 0x3F81 goes up to even
        #expect(SafeTensorsEncoder.bfloat16(-2.5) == 0xC020)
        #expect(Float(bitPattern: UInt32(SafeTensorsEncoder.bfloat16(.nan)) << 16).isNaN)
        #expect(SafeTensorsEncoder.bfloat16(.infinity) == 0x7F80)
    }

    @Test func saveReplacesAnExistingCheckpointAndLeavesNoTemporaries() throws {
        let directory = try Fixtures.temporaryDirectory("album-save")
        defer { try? FileManager.default.removeItem(at: directory) }
        try TinyModels.load("v10_relu_tied").save(directory: directory)
        try TinyModels.load("f16_gelu").save(directory: directory)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(names == ["config.json", "model.safetensors"])
        #expect(try T5Model.load(directory: directory).config.feedForwardProj == "gelu")
    }

    @Test func saveIntoAnUnwritablePathThrows() throws {
        let file = try Fixtures.temporaryDirectory("album-save")
        defer { try? FileManager.default.removeItem(at: file) }
        let blocker = file.appendingPathComponent("not-a-directory")
        try Data("x".utf8).write(to: blocker)
        #expect(throws: T5Error.self) { try TinyModels.load("v10_relu_tied").save(directory: blocker) }
    }
}
