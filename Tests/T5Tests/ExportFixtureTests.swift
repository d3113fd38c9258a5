// Checkpoints written by Album load in transformers: Tests/Fixtures/t5/album_*/ hold what `T5Model.save` writes for
// freshly initialised tiny models (norm weights set off 1), and golden.json holds the log-likelihoods transformers'
// T5ForConditionalGeneration.from_pretrained computes from them (Tests/Fixtures/make_export_fixtures.py).
// Regenerate the checkpoints with ALBUM_REGENERATE_EXPORT_FIXTURES=1 (this suite writes them), then run the script.
import Foundation
import Kernels
import T5
import Testing
import TestSupport

@Suite struct ExportFixtureTests {
    struct Spec: Sendable, CustomStringConvertible {
        let name: String
        let config: T5Config
        let seed: UInt64
        var description: String { name }
    }

    static let specs: [Spec] = {
        var tied = T5Config()
        (tied.vocabSize, tied.dModel, tied.dKV, tied.numHeads, tied.dFF) = (64, 16, 4, 4, 32)
        (tied.numLayers, tied.numDecoderLayers, tied.feedForwardProj) = (2, 1, "relu")
        var untied = T5Config()
        (untied.vocabSize, untied.dModel, untied.dKV, untied.numHeads, untied.dFF) = (72, 16, 6, 2, 24)
        (untied.numLayers, untied.numDecoderLayers, untied.feedForwardProj) = (1, 2, "gated-gelu")
        (untied.relativeAttentionNumBuckets, untied.relativeAttentionMaxDistance, untied.layerNormEpsilon) = (8, 12, 1e-5)
        untied.tieWordEmbeddings = false
        return [Spec(name: "album_tied_relu", config: tied, seed: 11),
                Spec(name: "album_untied_gated", config: untied, seed: 12)]
    }()

    /// The model each fixture holds: HF-style initialisation, norm weights moved off 1 by exact binary fractions.
    static func model(_ spec: Spec) throws -> T5Model {
        let model = try T5Model.initialized(config: spec.config, seed: spec.seed)
        for (k, parameter) in model.parameters.enumerated() where parameter.name.contains("layer_norm") {
            for i in 0..<parameter.value.count { parameter.value.data[i] = 1 + 0.03125 * Float((i * 7 + k * 3) % 17 - 8) }
        }
        model.weightsDidChange()
        return model
    }

    struct Golden: Decodable {
        struct Score: Decodable {
            let input: Int
            let target: Int
            let logprob: Double
        }
        let parameter_count: Int
        let inputs: [[Int32]]
        let targets: [[Int32]]
        let scores: [Score]
    }

    @Test(arguments: specs)
    func committedCheckpointIsWhatAlbumWrites(spec: Spec) throws {
        let fixture = Fixtures.url("t5/\(spec.name)")
        if ProcessInfo.processInfo.environment["ALBUM_REGENERATE_EXPORT_FIXTURES"] == "1" {
            try Self.model(spec).save(directory: fixture)
        }
        let directory = try Fixtures.temporaryDirectory("album-export")
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.model(spec).save(directory: directory)
        for file in ["config.json", "model.safetensors"] {
            let written = try Data(contentsOf: directory.appendingPathComponent(file))
            let committed = try Data(contentsOf: fixture.appendingPathComponent(file))
            #expect(written == committed, "\(spec.name)/\(file) differs from what T5Model.save writes today")
        }
    }

    @Test(arguments: specs)
    func transformersScoresAlbumCheckpointLikeAlbum(spec: Spec) throws {
        let fixture = Fixtures.url("t5/\(spec.name)")
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: fixture.appendingPathComponent("golden.json")))
        let model = try T5Model.load(directory: fixture)
        #expect(model.parameterCount == golden.parameter_count)
        #expect(model.hasSeparateLMHead == !spec.config.tieWordEmbeddings)
        let encoded = try model.encode(ids: golden.inputs)
        for row in golden.scores {
            let got = try model.score([(encoded[row.input], [golden.targets[row.target]])])[0][0]
            #expect(abs(got - row.logprob) <= 1e-4 * abs(row.logprob),
                    "\(spec.name) (\(row.input), \(row.target)): Album \(got) vs transformers \(row.logprob)")
        }
        #expect(golden.scores.count >= 8)
    }
}
