// Whole encoder and decoder blocks (pre-norms, residual adds, every dropout site in HF's order) against central
// finite differences of the Double reference composed from DoubleT5.swift, with every weight of the block and the
// bias table trainable: the input gradient, each norm's weight, one projection per sub-layer, the bias table and,
// for the decoder, the encoder's keys and values. Tolerance: maxAbs 1e-5 + rel 1e-4 per element.
import Foundation
import Kernels
import Testing
import TestSupport
@testable import T5

@Suite struct BlockGradCheckTests {
    @Test(arguments: [("relu", 0.0), ("gated-gelu", 0.0), ("gated-gelu", 0.2)])
    func encoderLayer(kind: String, dropout: Double) throws {
        let model = try TinyTraining.model(kind)
        model.setTrainable { $0.hasPrefix("encoder.block.0") }
        let layer = model.weights.encoderLayers[0], table = model.weights.encoderBias
        let (d, heads, dkv, f, eps) = (model.config.dModel, model.config.numHeads, model.config.dKV,
                                       model.config.dFF, model.config.layerNormEpsilon)
        let lengths = [4, 7], rows = 11
        var rng = SeededRandom(seed: 21)
        let x = TinyTraining.random([rows, d], &rng, scale: 2), dY = TinyTraining.random([rows, d], &rng)
        var bias: [Int: Tensor] = [:]
        for length in lengths { bias[length] = table.vectors(length: length) }

        let dx = dY.clone(), ws = Workspace(), out = x.clone()
        let pass = TrainingPass(dropout: dropout, seed: 17, step: 0)
        let tape = try #require(layer.forward(out.data, rows: PackedRows(lengths: lengths), bias: bias, workspace: ws,
                                              recording: pass))
        let biasRows = try #require(table.rowGradients(lengths: lengths))
        layer.backward(dx.data, tape: tape, biasGradients: biasRows, workspace: ws)
        table.accumulate(biasRows)

        // Weights as Double, by role; `forward` takes the set with one entry replaced.
        var weights: [String: [Double]] = [
            "norm0": TinyTraining.doubles(layer.selfAttentionNorm.weight),
            "qkv": TinyTraining.doubles(layer.selfAttention.projection.weight),
            "o": TinyTraining.doubles(layer.selfAttention.o.weight),
            "norm1": TinyTraining.doubles(layer.feedForwardNorm.weight),
            "wi": TinyTraining.doubles(layer.feedForward.wi.weight), "wo": TinyTraining.doubles(layer.feedForward.wo.weight),
            "table": TinyTraining.doubles(table.table),
        ]
        weights["x"] = TinyTraining.doubles(x)
        let reference = DoubleT5.Dropout(probability: dropout, seed: 17)
        let on = dropout > 0
        func forward(_ w: [String: [Double]]) -> [Double] {
            let x = w["x"]!
            let h0 = DoubleT5.rmsNorm(x, w["norm0"]!, dim: d, eps: eps)
            let table = w["table"]!
            let x1 = DoubleT5.selfAttention(h: h0, x: x, wqkv: w["qkv"]!, wo: w["o"]!, lengths: lengths, d: d,
                                            heads: heads, dkv: dkv,
                                            bias: { _, head, i, j in table[model.weights.encoderBias.bucket(j - i) * heads + head] },
                                            causal: false, dropout: reference, sites: on ? (0, 1) : nil)
            let h1 = DoubleT5.rmsNorm(x1, w["norm1"]!, dim: d, eps: eps)
            return DoubleT5.feedForward(h: h1, x: x1, wi: w["wi"]!, wo: w["wo"]!, rows: rows, d: d, f: f,
                                        activation: layer.feedForward.activation, gated: layer.feedForward.gated,
                                        dropout: reference, sites: on ? (2, 3) : nil)
        }
        let label = "\(kind) encoder block, dropout \(dropout)"
        TinyTraining.expectForward(label, out, forward(weights))
        let checks: [(String, Tensor, Tensor?)] = [
            ("x", x, dx), ("norm0", layer.selfAttentionNorm.weight, layer.selfAttentionNorm.gradient),
            ("qkv", layer.selfAttention.projection.weight, layer.selfAttention.projection.gradient),
            ("norm1", layer.feedForwardNorm.weight, layer.feedForwardNorm.gradient),
            ("wo", layer.feedForward.wo.weight, layer.feedForward.wo.gradient), ("table", table.table, table.gradient),
        ]
        for (name, value, gradient) in checks {
            TinyTraining.check("\(label) d\(name)", analytic: try #require(gradient), at: value.clone()) { changed in
                var w = weights
                w[name] = changed
                return DoubleT5.dot(forward(w), dY.array)
            }
        }
    }

    @Test(arguments: [("relu", 0.0), ("gated-gelu", 0.2)])
    func decoderLayer(kind: String, dropout: Double) throws {
        let model = try TinyTraining.model(kind)
        model.setTrainable { $0.hasPrefix("decoder.block.1") || $0.contains("decoder.block.0.layer.0.SelfAttention.relative") }
        let index = 1, layer = model.weights.decoderLayers[index], table = model.weights.decoderBias
        #expect(table.isTrainable)
        let (d, heads, dkv, f, eps, inner) = (model.config.dModel, model.config.numHeads, model.config.dKV,
                                              model.config.dFF, model.config.layerNormEpsilon, model.config.innerDim)
        let lengths = [3, 5], rows = 8, sourceLengths = [4, 6], encoderOffsets = [0, 4]
        let width = model.config.numDecoderLayers * 2 * inner
        var rng = SeededRandom(seed: 22)
        let x = TinyTraining.random([rows, d], &rng, scale: 2), dY = TinyTraining.random([rows, d], &rng)
        let encoded = sourceLengths.map { length in
            EncoderOutput(hidden: Tensor(zeros: [length, d]),
                          crossKeys: (0..<2).map { _ in TinyTraining.random([length, inner], &rng) },
                          crossValues: (0..<2).map { _ in TinyTraining.random([length, inner], &rng) })
        }
        var bias: [Int: Tensor] = [:]
        for length in lengths { bias[length] = table.vectors(length: length) }

        let dx = dY.clone(), ws = Workspace(), out = x.clone()
        let dKV = Tensor(zeros: [sourceLengths.reduce(0, +), width])
        let pass = TrainingPass(dropout: dropout, seed: 19, step: 0)
        let tape = try #require(layer.forward(out.data, rows: PackedRows(lengths: lengths), selfAttention: .causal(bias: bias),
                                              encoded: encoded, workspace: ws, recording: pass))
        let biasRows = try #require(table.rowGradients(lengths: lengths))
        layer.backward(dx.data, tape: tape, encoded: encoded,
                       dEncoded: Attention.CrossKeyValueGradient(data: dKV.data, width: width, encoderOffsets: encoderOffsets),
                       biasGradients: biasRows, workspace: ws)
        table.accumulate(biasRows)

        var weights: [String: [Double]] = [
            "x": TinyTraining.doubles(x), "norm0": TinyTraining.doubles(layer.selfAttentionNorm.weight),
            "qkv": TinyTraining.doubles(layer.selfAttention.projection.weight),
            "o": TinyTraining.doubles(layer.selfAttention.o.weight),
            "norm1": TinyTraining.doubles(layer.crossAttentionNorm.weight),
            "q": TinyTraining.doubles(layer.crossAttention.projection.weight),
            "crossO": TinyTraining.doubles(layer.crossAttention.o.weight),
            "norm2": TinyTraining.doubles(layer.feedForwardNorm.weight),
            "wi": TinyTraining.doubles(layer.feedForward.wi.weight), "wo": TinyTraining.doubles(layer.feedForward.wo.weight),
            "table": TinyTraining.doubles(table.table), "k0": TinyTraining.doubles(encoded[0].crossKeys[index]),
        ]
        weights["v1"] = TinyTraining.doubles(encoded[1].crossValues[index])
        let reference = DoubleT5.Dropout(probability: dropout, seed: 19)
        let on = dropout > 0
        func forward(_ w: [String: [Double]]) -> [Double] {
            let x = w["x"]!, table = w["table"]!
            let h0 = DoubleT5.rmsNorm(x, w["norm0"]!, dim: d, eps: eps)
            let x1 = DoubleT5.selfAttention(h: h0, x: x, wqkv: w["qkv"]!, wo: w["o"]!, lengths: lengths, d: d,
                                            heads: heads, dkv: dkv,
                                            bias: { _, head, i, j in table[model.weights.decoderBias.bucket(j - i) * heads + head] },
                                            causal: true, dropout: reference, sites: on ? (0, 1) : nil)
            let h1 = DoubleT5.rmsNorm(x1, w["norm1"]!, dim: d, eps: eps)
            let sources = [(k: w["k0"]!, v: TinyTraining.doubles(encoded[0].crossValues[index]), length: sourceLengths[0]),
                           (k: TinyTraining.doubles(encoded[1].crossKeys[index]), v: w["v1"]!, length: sourceLengths[1])]
            let x2 = DoubleT5.crossAttention(h: h1, x: x1, wq: w["q"]!, wo: w["crossO"]!, lengths: lengths,
                                             sources: sources, d: d, heads: heads, dkv: dkv, dropout: reference,
                                             sites: on ? (2, 3) : nil)
            let h2 = DoubleT5.rmsNorm(x2, w["norm2"]!, dim: d, eps: eps)
            return DoubleT5.feedForward(h: h2, x: x2, wi: w["wi"]!, wo: w["wo"]!, rows: rows, d: d, f: f,
                                        activation: layer.feedForward.activation, gated: layer.feedForward.gated,
                                        dropout: reference, sites: on ? (4, 5) : nil)
        }
        // The gradients of encoded[0]'s keys and encoded[1]'s values, out of the fused (R_enc, W) buffer.
        func sourceGradient(_ source: Int, part: Int) -> Tensor {
            let length = sourceLengths[source], out = Tensor(uninitialized: [length, inner])
            for r in 0..<length {
                (out.data + r * inner).update(from: dKV.data + (encoderOffsets[source] + r) * width + index * 2 * inner
                                              + part * inner, count: inner)
            }
            return out
        }
        let label = "\(kind) decoder block, dropout \(dropout)"
        TinyTraining.expectForward(label, out, forward(weights))
        let checks: [(String, Tensor, Tensor?)] = [
            ("x", x, dx), ("norm0", layer.selfAttentionNorm.weight, layer.selfAttentionNorm.gradient),
            ("qkv", layer.selfAttention.projection.weight, layer.selfAttention.projection.gradient),
            ("norm1", layer.crossAttentionNorm.weight, layer.crossAttentionNorm.gradient),
            ("q", layer.crossAttention.projection.weight, layer.crossAttention.projection.gradient),
            ("crossO", layer.crossAttention.o.weight, layer.crossAttention.o.gradient),
            ("norm2", layer.feedForwardNorm.weight, layer.feedForwardNorm.gradient),
            ("wi", layer.feedForward.wi.weight, layer.feedForward.wi.gradient), ("table", table.table, table.gradient),
            ("k0", encoded[0].crossKeys[index], sourceGradient(0, part: 0)),
            ("v1", encoded[1].crossValues[index], sourceGradient(1, part: 1)),
        ]
        for (name, value, gradient) in checks {
            TinyTraining.check("\(label) d\(name)", analytic: try #require(gradient), at: value.clone()) { changed in
                var w = weights
                w[name] = changed
                return DoubleT5.dot(forward(w), dY.array)
            }
        }
    }
}
