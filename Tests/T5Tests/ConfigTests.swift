// T5Config decoding: HF snake_case and camelCase keys, HF defaults, eos lists, derived feed-forward settings.
import Foundation
import Kernels
import T5
import Testing

@Suite struct ConfigTests {
    func decode(_ json: String) throws -> T5Config {
        try JSONDecoder().decode(T5Config.self, from: Data(json.utf8))
    }

    @Test func snakeCaseWithHFDefaults() throws {
        let config = try decode(#"{"model_type": "t5", "d_model": 48, "num_layers": 3, "num_decoder_layers": null}"#)
        #expect(config.dModel == 48)
        #expect(config.numDecoderLayers == 3, "num_decoder_layers defaults to num_layers")
        #expect(config.vocabSize == 32128 && config.dKV == 64 && config.dFF == 2048 && config.numHeads == 8)
        #expect(config.relativeAttentionNumBuckets == 32 && config.relativeAttentionMaxDistance == 128)
        #expect(config.layerNormEpsilon == 1e-6 && config.feedForwardProj == "relu")
        #expect(config.padTokenID == 0 && config.eosTokenID == 1 && config.decoderStartTokenID == 0)
        #expect(config.scalesDecoderOutput, "v1.0 default: tied, rescaled")
    }

    @Test func camelCaseKeysAndEOSList() throws {
        let config = try decode(#"{"dModel": 64, "numLayers": 2, "numDecoderLayers": 1, "eos_token_id": [7, 1], "tieWordEmbeddings": false}"#)
        #expect(config.dModel == 64 && config.numLayers == 2 && config.numDecoderLayers == 1)
        #expect(config.eosTokenID == 7)
        #expect(!config.scalesDecoderOutput)
    }

    @Test func transformers5ScaleFlagWins() throws {
        let config = try decode(#"{"tie_word_embeddings": true, "scale_decoder_outputs": false}"#)
        #expect(!config.scalesDecoderOutput)
    }

    @Test func feedForwardVariants() throws {
        let cases: [(String, Activation, Bool)] = [
            ("relu", .relu, false), ("gated-gelu", .geluNew, true), ("gelu", .gelu, false),
            ("gated-relu", .relu, true), ("gelu_new", .geluNew, false), ("gated-silu", .silu, true),
        ]
        for (proj, activation, gated) in cases {
            var config = T5Config()
            config.feedForwardProj = proj
            let (a, g) = try config.feedForward()
            #expect(a == activation && g == gated, "\(proj)")
        }
    }

    @Test func roundTripsThroughJSON() throws {
        var config = T5Config()
        config.dModel = 40
        config.numDecoderLayers = 2
        config.scaleDecoderOutputs = false
        let data = try JSONEncoder().encode(config)
        #expect(try JSONDecoder().decode(T5Config.self, from: data) == config)
        #expect(String(decoding: data, as: UTF8.self).contains("\"d_model\":40"))
    }
}
