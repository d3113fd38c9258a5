// Each T5 layer's backward against central finite differences of an independent Double forward (DoubleT5.swift),
// on tiny random sizes: f = Σ dY ⊙ layer(inputs) for a fixed random dY, so ∂f/∂· is exactly what the backward
// returns. Covers Linear, the RMS LayerNorm, bidirectional and causal self-attention with the relative-bias table
// gradient, cross-attention with the gradient to the encoder's keys and values, every feed-forward kind, the LM head
// (tied with the d_model^-0.5 scale, untied) and the embedding scatter-add; with dropout off and on (masks from the
// same keys). Tolerance: maxAbs 1e-5 + rel 1e-4 per element (step 1e-4 on the Double side).
import Foundation
import Kernels
import Testing
import TestSupport
@testable import T5

@Suite struct LayerGradCheckTests {
    @Test func linearFrozenAndTrainable() throws {
        let model = try TinyTraining.model("relu")
        let linear = model.weights.encoderLayers[0].feedForward.wo  // (F, D) = (10, 8)
        var rng = SeededRandom(seed: 3)
        let rows = 4, k = linear.inFeatures, n = linear.outFeatures
        let x = TinyTraining.random([rows, k], &rng), dY = TinyTraining.random([rows, n], &rng)
        let w = linear.weight.clone()
        func f(_ x: [Double], _ w: [Double]) -> Double {
            DoubleT5.dot(DoubleT5.linear(x, w, rows: rows, k: k, n: n), dY.array)
        }
        // Frozen: no gradient buffer, the backward computes dX only.
        #expect(linear.gradient == nil)
        let dxFrozen = Tensor(zeros: [rows, k])
        linear.backward(dInp: dxFrozen.data, dOut: dY.data, inp: nil, rows: rows)
        #expect(linear.gradient == nil)
        TinyTraining.check("Linear dX (frozen)", analytic: dxFrozen, at: x) { f($0, TinyTraining.doubles(w)) }
        // Trainable: dW too.
        linear.makeTrainable()
        let dx = Tensor(zeros: [rows, k])
        linear.backward(dInp: dx.data, dOut: dY.data, inp: x.data, rows: rows)
        let dW = try #require(linear.gradient)
        TinyTraining.check("Linear dW", analytic: dW, at: w) { f(TinyTraining.doubles(x), $0) }
        #expect(dx.array == dxFrozen.array)
    }

    @Test func rmsLayerNorm() throws {
        let model = try TinyTraining.model("relu")
        let norm = model.weights.encoderFinalNorm
        norm.makeTrainable()
        var rng = SeededRandom(seed: 4)
        let rows = 3, d = norm.weight.count
        let x = TinyTraining.random([rows, d], &rng, scale: 2), dY = TinyTraining.random([rows, d], &rng)
        let out = Tensor(zeros: [rows, d]), dx = Tensor(zeros: [rows, d])
        let tape = try #require(norm(x.data, into: out.data, rows: rows, record: true))
        norm.backward(dInp: dx.data, dOut: dY.data, tape: tape)
        let w = norm.weight.clone(), eps = Double(norm.eps)
        func f(_ x: [Double], _ w: [Double]) -> Double { DoubleT5.dot(DoubleT5.rmsNorm(x, w, dim: d, eps: eps), dY.array) }
        TinyTraining.expectForward("LayerNorm", out, DoubleT5.rmsNorm(TinyTraining.doubles(x), TinyTraining.doubles(w), dim: d, eps: eps))
        TinyTraining.check("LayerNorm dX", analytic: dx, at: x) { f($0, TinyTraining.doubles(w)) }
        TinyTraining.check("LayerNorm dW", analytic: try #require(norm.gradient), at: w) { f(TinyTraining.doubles(x), $0) }
    }

    /// Encoder (bidirectional buckets) and decoder (causal, unidirectional buckets) self-attention over two packed
    /// segments, with and without dropout: dh, dW_qkv, dW_o and the bias table's gradient.
    @Test(arguments: [(false, 0.0), (false, 0.25), (true, 0.0), (true, 0.25)])
    func selfAttention(causal: Bool, dropout: Double) throws {
        let model = try TinyTraining.model("relu")
        let attention = causal ? model.weights.decoderLayers[0].selfAttention : model.weights.encoderLayers[0].selfAttention
        let table = causal ? model.weights.decoderBias : model.weights.encoderBias
        attention.projection.makeTrainable()
        attention.o.makeTrainable()
        table.makeTrainable()
        let (d, heads, dkv) = (model.config.dModel, model.config.numHeads, model.config.dKV)
        let lengths = [3, 7], rows = 10  // 7 > max distance 6: the log buckets take part
        var rng = SeededRandom(seed: causal ? 5 : 6)
        let h = TinyTraining.random([rows, d], &rng), x = TinyTraining.random([rows, d], &rng)
        let dY = TinyTraining.random([rows, d], &rng)
        var bias: [Int: Tensor] = [:]
        for length in lengths { bias[length] = table.vectors(length: length) }
        let wqkv = attention.projection.weight.clone(), wo = attention.o.weight.clone(), values = table.table.clone()

        let out = x.clone(), dh = Tensor(zeros: [rows, d]), ws = Workspace()
        let pass = TrainingPass(dropout: dropout, seed: 9, step: 0)
        let tape = try #require(attention.selfAttend(h.data, residual: out.data, rows: PackedRows(lengths: lengths),
                                                     bias: bias, causal: causal, workspace: ws, recording: pass))
        let biasRows = try #require(table.rowGradients(lengths: lengths))
        attention.selfAttentionBackward(dResidual: dY.data, dInp: dh.data, tape: tape, causal: causal,
                                        biasGradients: biasRows, workspace: ws)
        table.accumulate(biasRows)

        let reference = DoubleT5.Dropout(probability: dropout, seed: 9)
        let sites: (UInt32, UInt32)? = dropout > 0 ? (0, 1) : nil
        // bias(h, i, j) = table[bucket(j − i), h] (HF compute_bias).
        func forward(_ h: [Double], _ wqkv: [Double], _ wo: [Double], _ tableValues: [Double]) -> [Double] {
            DoubleT5.selfAttention(h: h, x: TinyTraining.doubles(x), wqkv: wqkv, wo: wo, lengths: lengths, d: d,
                                   heads: heads, dkv: dkv,
                                   bias: { _, head, i, j in tableValues[table.bucket(j - i) * heads + head] },
                                   causal: causal, dropout: reference, sites: sites)
        }
        let (hD, qkvD, oD, tableD) = (TinyTraining.doubles(h), TinyTraining.doubles(wqkv), TinyTraining.doubles(wo),
                                      TinyTraining.doubles(values))
        let label = "\(causal ? "causal" : "bidirectional") self-attention, dropout \(dropout)"
        TinyTraining.expectForward(label, out, forward(hD, qkvD, oD, tableD))
        TinyTraining.check("\(label) dh", analytic: dh, at: h) { DoubleT5.dot(forward($0, qkvD, oD, tableD), dY.array) }
        TinyTraining.check("\(label) dW_qkv", analytic: try #require(attention.projection.gradient), at: wqkv) {
            DoubleT5.dot(forward(hD, $0, oD, tableD), dY.array)
        }
        TinyTraining.check("\(label) dW_o", analytic: try #require(attention.o.gradient), at: wo) {
            DoubleT5.dot(forward(hD, qkvD, $0, tableD), dY.array)
        }
        TinyTraining.check("\(label) d bias table", analytic: try #require(table.gradient), at: values) {
            DoubleT5.dot(forward(hD, qkvD, oD, $0), dY.array)
        }
    }

    /// Cross-attention of decoder layer 1 (so the fused cross-K/V gradient's layer offset matters) over two segments
    /// attending to encoder outputs of different lengths, with and without dropout: dh, dW_q, dW_o and the gradient
    /// of the encoder's keys and values (layer 0's columns stay untouched).
    @Test(arguments: [0.0, 0.25])
    func crossAttention(dropout: Double) throws {
        let model = try TinyTraining.model("relu")
        let layer = 1, attention = model.weights.decoderLayers[layer].crossAttention
        attention.projection.makeTrainable()
        attention.o.makeTrainable()
        let (d, heads, dkv, inner) = (model.config.dModel, model.config.numHeads, model.config.dKV, model.config.innerDim)
        let lengths = [2, 4], rows = 6, sourceLengths = [5, 3], encoderOffsets = [0, 5]
        let width = model.config.numDecoderLayers * 2 * inner
        var rng = SeededRandom(seed: 7)
        let h = TinyTraining.random([rows, d], &rng), x = TinyTraining.random([rows, d], &rng)
        let dY = TinyTraining.random([rows, d], &rng)
        let encoded = sourceLengths.map { length in
            EncoderOutput(hidden: Tensor(zeros: [length, d]),
                          crossKeys: (0..<2).map { _ in TinyTraining.random([length, inner], &rng) },
                          crossValues: (0..<2).map { _ in TinyTraining.random([length, inner], &rng) })
        }
        let wq = attention.projection.weight.clone(), wo = attention.o.weight.clone()

        let out = x.clone(), dh = Tensor(zeros: [rows, d]), ws = Workspace()
        let dKV = Tensor(zeros: [sourceLengths.reduce(0, +), width])  // (R_enc, W)
        let pass = TrainingPass(dropout: dropout, seed: 11, step: 0)
        let tape = try #require(attention.crossAttend(h.data, residual: out.data, rows: PackedRows(lengths: lengths),
                                                      encoded: encoded, layer: layer, workspace: ws, recording: pass))
        attention.crossAttentionBackward(
            dResidual: dY.data, dInp: dh.data, tape: tape, encoded: encoded, layer: layer,
            dEncoded: Attention.CrossKeyValueGradient(data: dKV.data, width: width, encoderOffsets: encoderOffsets),
            workspace: ws)

        let reference = DoubleT5.Dropout(probability: dropout, seed: 11)
        let sites: (UInt32, UInt32)? = dropout > 0 ? (0, 1) : nil
        let sourcesD = encoded.map { (k: TinyTraining.doubles($0.crossKeys[layer]), v: TinyTraining.doubles($0.crossValues[layer]), length: $0.length) }
        func forward(_ h: [Double], _ wq: [Double], _ wo: [Double],
                     _ sources: [(k: [Double], v: [Double], length: Int)]) -> [Double] {
            DoubleT5.crossAttention(h: h, x: TinyTraining.doubles(x), wq: wq, wo: wo, lengths: lengths,
                                    sources: sources, d: d, heads: heads, dkv: dkv, dropout: reference, sites: sites)
        }
        let (hD, qD, oD) = (TinyTraining.doubles(h), TinyTraining.doubles(wq), TinyTraining.doubles(wo))
        let label = "cross-attention, dropout \(dropout)"
        TinyTraining.expectForward(label, out, forward(hD, qD, oD, sourcesD))
        TinyTraining.check("\(label) dh", analytic: dh, at: h) { DoubleT5.dot(forward($0, qD, oD, sourcesD), dY.array) }
        TinyTraining.check("\(label) dW_q", analytic: try #require(attention.projection.gradient), at: wq) {
            DoubleT5.dot(forward(hD, $0, oD, sourcesD), dY.array)
        }
        TinyTraining.check("\(label) dW_o", analytic: try #require(attention.o.gradient), at: wo) {
            DoubleT5.dot(forward(hD, qD, $0, sourcesD), dY.array)
        }
        // The keys and values of each source, read back from the fused (R_enc, W) gradient.
        for (s, source) in encoded.enumerated() {
            for (part, name) in ["keys", "values"].enumerated() {
                let analytic = Tensor(uninitialized: [source.length, inner])
                for r in 0..<source.length {
                    let row = dKV.data + (encoderOffsets[s] + r) * width + layer * 2 * inner + part * inner
                    (analytic.data + r * inner).update(from: row, count: inner)
                }
                let value = part == 0 ? source.crossKeys[layer] : source.crossValues[layer]
                TinyTraining.check("\(label) d\(name) of source \(s)", analytic: analytic, at: value) { changed in
                    var sources = sourcesD
                    if part == 0 { sources[s].k = changed } else { sources[s].v = changed }
                    return DoubleT5.dot(forward(hD, qD, oD, sources), dY.array)
                }
            }
        }
        let otherLayers = (0..<dKV.shape[0]).flatMap { r in (0..<(2 * inner)).map { dKV.data[r * width + $0] } }
        #expect(otherLayers.allSatisfy { $0 == 0 }, "layer 0's keys and values received a gradient")
    }
}
