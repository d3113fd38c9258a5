// Strict loading: every corrupt or unsupported checkpoint gives a clear T5Error naming the problem, never a
// crash; accepted variations (embedding aliases, HF's ignored key, camelCase config keys) load and agree.
import Foundation
import Kernels
import SafeTensors
import T5
import Testing
import TestSupport

/// A writable copy of a fixture checkpoint whose tensors or config a test can change.
struct ScratchCheckpoint {
    let url: URL
    var tensors: [String: (shape: [Int], values: [Float])]

    init(copying variant: String) throws {
        url = try Fixtures.temporaryDirectory("album-t5")
        let source = TinyModels.directory(variant)
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"),
                                         to: url.appendingPathComponent("config.json"))
        let file = try SafeTensorsFile(url: source.appendingPathComponent("model.safetensors"))
        tensors = [:]
        for name in file.names { tensors[name] = (file.tensors[name]!.shape, try file.floats(name)) }
    }

    func write() throws {
        let entries = tensors.map { SafeTensorsWriter.Entry(name: $0.key, shape: $0.value.shape, values: $0.value.values) }
        try SafeTensorsWriter.write(entries, to: url.appendingPathComponent("model.safetensors"))
    }

    func editConfig(_ change: (inout [String: Any]) -> Void) throws {
        let configURL = url.appendingPathComponent("config.json")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
        change(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: configURL)
    }

    func load() throws(T5Error) -> T5Model { try T5Model.load(directory: url) }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

func loadError(_ checkpoint: ScratchCheckpoint) -> T5Error? {
    do {
        _ = try checkpoint.load()
        return nil
    } catch {
        return error
    }
}

@Suite struct LoadingTests {
    @Test func missingTensorIsNamed() throws {
        var c = try ScratchCheckpoint(copying: "v10_relu_tied")
        defer { c.remove() }
        c.tensors["decoder.block.1.layer.2.DenseReluDense.wo.weight"] = nil
        try c.write()
        #expect(loadError(c) == .missingTensor(name: "decoder.block.1.layer.2.DenseReluDense.wo.weight"))
    }

    @Test func unusedTensorIsNamed() throws {
        var c = try ScratchCheckpoint(copying: "v10_relu_tied")
        defer { c.remove() }
        c.tensors["encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"] = ([32, 4], [Float](repeating: 0, count: 128))
        try c.write()
        let error = loadError(c)
        #expect(error == .unusedTensors(["encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"]))
        #expect(error?.description.contains("does not use") == true)
    }

    @Test func wrongShapeIsNamed() throws {
        var c = try ScratchCheckpoint(copying: "v10_relu_tied")
        defer { c.remove() }
        c.tensors["encoder.block.0.layer.0.SelfAttention.q.weight"] = ([16, 32], [Float](repeating: 0, count: 512))
        try c.write()
        #expect(loadError(c) == .shapeMismatch(name: "encoder.block.0.layer.0.SelfAttention.q.weight",
                                               expected: [32, 32], got: [16, 32]))
    }

    @Test func truncatedFileIsReported() throws {
        let c = try ScratchCheckpoint(copying: "v10_relu_tied")
        defer { c.remove() }
        try c.write()
        let weights = c.url.appendingPathComponent("model.safetensors")
        let data = try Data(contentsOf: weights)
        let kept = data.prefix(data.count / 2)
        try kept.write(to: weights)
        // Which tensor is named first depends on header order; the file and the bytes left are exact.
        let headerLength = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian })
        let dataLeft = kept.count - 8 - headerLength
        let error = loadError(c)
        guard case .checkpoint(.truncated(let path, let reason)) = error else {
            Issue.record("expected a truncated-file error, got \(String(describing: error))")
            return
        }
        #expect(path == weights.path)
        #expect(reason.hasPrefix("tensor '") && reason.hasSuffix("but the data section has \(dataLeft)"), "\(reason)")
        // A file too short to hold a header.
        try Data([1, 2, 3]).write(to: weights)
        #expect(loadError(c) == .checkpoint(.truncated(path: weights.path, reason: "3 bytes, shorter than the 8-byte header length")))
    }

    @Test func missingWeightsAndConfigAreReported() throws {
        let c = try ScratchCheckpoint(copying: "v10_relu_tied")
        defer { c.remove() }
        #expect(loadError(c) == .checkpoint(.cannotOpen(path: c.url.path,
                                                        reason: "no model.safetensors or model.safetensors.index.json")))
        try c.write()
        try FileManager.default.removeItem(at: c.url.appendingPathComponent("config.json"))
        #expect(loadError(c) == .cannotReadConfig(path: c.url.appendingPathComponent("config.json").path,
                                                  reason: "no such file or not readable"))
    }

    @Test func unsupportedArchitecturesAreRejected() throws {
        let c = try ScratchCheckpoint(copying: "v10_relu_tied")
        defer { c.remove() }
        try c.write()
        try c.editConfig { $0["model_type"] = "umt5" }
        #expect(loadError(c) == .unsupportedModelType("umt5"))
        try c.editConfig { $0["model_type"] = "t5"; $0["feed_forward_proj"] = "gated-tanh" }
        #expect(loadError(c) == .unsupportedActivation(feedForwardProj: "gated-tanh"))
        try c.editConfig { $0["feed_forward_proj"] = "relu-gated" }
        #expect(loadError(c) == .unsupportedActivation(feedForwardProj: "relu-gated"))
        try c.editConfig { $0["feed_forward_proj"] = "relu"; $0["d_kv"] = 0 }
        #expect(loadError(c) == .invalidConfig(key: "d_kv", reason: "must be ≥ 1, got 0"))
        try c.editConfig { $0["d_kv"] = 8; $0["eos_token_id"] = 5000 }
        #expect(loadError(c) == .invalidConfig(key: "eos_token_id", reason: "5000 is outside the vocabulary (0..<320)"))
        try c.editConfig { $0["eos_token_id"] = "one" }
        #expect(loadError(c) == .cannotReadConfig(path: c.url.appendingPathComponent("config.json").path,
                                                  reason: "'eos_token_id' is not a valid Array<Any>"))
        try c.editConfig { $0["eos_token_id"] = 1; $0["layer_norm_epsilon"] = 0 }
        #expect(loadError(c) == .invalidConfig(key: "layer_norm_epsilon", reason: "must be > 0"))
    }

    @Test func embeddingAliasesAndIgnoredKeysLoad() throws {
        let reference = try TinyModels.load("v10_relu_tied")
        let golden = try Golden.load("v10_relu_tied")
        let expected = reference.greedy(try reference.encode(ids: golden.inputs), maxNewTokens: 6)

        var c = try ScratchCheckpoint(copying: "v10_relu_tied")
        defer { c.remove() }
        let shared = c.tensors.removeValue(forKey: "shared.weight")!
        c.tensors["decoder.embed_tokens.weight"] = shared
        c.tensors["encoder.embed_tokens.weight"] = shared
        c.tensors["lm_head.weight"] = shared  // a .bin conversion stores the tied head too
        c.tensors["decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight"] = ([32, 4], [Float](repeating: 0, count: 128))
        try c.write()
        let model = try c.load()
        #expect(model.greedy(try model.encode(ids: golden.inputs), maxNewTokens: 6) == expected)
        #expect(model.parameterCount == reference.parameterCount + 320 * 32)  // the stored head counts once more

        // Aliases that disagree are a conflict, not a silent pick.
        var changed = shared
        changed.values[0] += 1
        c.tensors["encoder.embed_tokens.weight"] = changed
        try c.write()
        #expect(loadError(c) == .conflictingTensors(names: ["encoder.embed_tokens.weight", "decoder.embed_tokens.weight"],
                                                    reason: "both hold the shared embedding but differ"))
    }

    @Test func untiedConfigWithoutHeadIsMissingTensor() throws {
        var c = try ScratchCheckpoint(copying: "v11_gated_untied")
        defer { c.remove() }
        c.tensors["lm_head.weight"] = nil
        try c.write()
        // transformers 5 wrote scale_decoder_outputs=false + tie_word_embeddings=true: the head falls back to the
        // shared embedding like HF. An older config saying tie_word_embeddings=false requires lm_head.weight.
        #expect(loadError(c) == nil)
        try c.editConfig { $0["scale_decoder_outputs"] = nil; $0["tie_word_embeddings"] = false }
        #expect(loadError(c) == .missingTensor(name: "lm_head.weight"))
    }

    @Test func parameterCountsMatchHF() throws {
        // sum(p.numel() for p in model.parameters()) in HF (tied tensors once), recorded by the fixture script.
        for variant in TinyModels.variants {
            let expected = try Golden.load(variant).parameter_count
            #expect(try TinyModels.load(variant).parameterCount == expected, "\(variant)")
        }
    }

    @Test func storedDTypesAreReported() throws {
        #expect(try TinyModels.load("bf16_sharded").storedDTypes.contains("BF16"))
        #expect(try TinyModels.load("f16_gelu").storedDTypes.contains("F16"))
        #expect(try TinyModels.load("v10_relu_tied").storedDTypes == ["F32"])
    }
}
