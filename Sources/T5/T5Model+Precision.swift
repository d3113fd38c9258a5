// Reduced-precision serving: re-stores the model's projections (attention q|k|v and o, cross-attention K/V, the
// feed-forward wi and wo) in bf16 or int8 at load, and in int8 the LM head's projection too (its logits are
// dequantized to fp32 before the fp32 log-softmax; docs/benchmarks.md measures the agreement). Embeddings, norms,
// relative-position biases, softmax and SPE stay fp32.
import Foundation
import Kernels

extension T5Model {
    /// Every projection a reduced precision applies to, in HF module order.
    var projectionLayers: [Linear] {
        var layers: [Linear] = []
        for layer in weights.encoderLayers {
            layers += [layer.selfAttention.projection, layer.selfAttention.o, layer.feedForward.wi, layer.feedForward.wo]
        }
        layers.append(weights.crossKeyValues)
        for layer in weights.decoderLayers {
            layers += [layer.selfAttention.projection, layer.selfAttention.o, layer.crossAttention.projection,
                       layer.crossAttention.o, layer.feedForward.wi, layer.feedForward.wo]
        }
        return layers
    }

    /// Re-stores every fp32, frozen projection in `precision` (fp32 leaves the model as it is). Call once after
    /// loading, before the model serves or trains: a converted model is for inference only.
    public func convert(to precision: Precision) {
        for layer in projectionLayers { layer.convert(to: precision) }
        // The head streams vocab × d_model weights per decode step, the largest single read of a step at batch 1.
        if precision == .int8 { weights.lmHead.quantize() }
    }

    /// The projections' precision (fp32 until `convert(to:)`).
    public var precision: Precision { projectionLayers.first?.precision ?? .fp32 }

    /// Bytes held by the projections.
    public var projectionBytes: Int { projectionLayers.reduce(0) { $0 + $1.byteCount } }

    /// Bytes of the LM head's own storage (0 for a tied fp32 head, which reads the embedding).
    public var lmHeadBytes: Int { weights.lmHead.byteCount }

    /// Loads a checkpoint (see `load(directory:)`) with its projections in `precision`: each is converted as soon as
    /// it is read (the load's peak memory is the reduced model plus one fp32 layer, not the fp32 model), then the
    /// LM head.
    public static func load(directory: URL, precision: Precision) throws(T5Error) -> T5Model {
        let model = try load(directory: directory, projectionPrecision: precision)
        model.convert(to: precision)
        return model
    }
}
