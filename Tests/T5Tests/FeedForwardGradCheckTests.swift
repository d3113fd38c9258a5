// The feed-forward kinds (ReLU, exact GELU, gated-gelu, gated-silu), the LM head (tied: scaled by d_model^-0.5 and
// sending its gradient into the shared embedding; untied) and the embedding scatter-add against central finite
// differences of the Double reference (DoubleT5.swift). Tolerance: maxAbs 1e-5 + rel 1e-4 per element.
import Foundation
import Kernels
import Testing
import TestSupport
@testable import T5

@Suite struct FeedForwardGradCheckTests {
    @Test(arguments: [("relu", 0.0), ("gelu", 0.0), ("gated-gelu", 0.0), ("gated-silu", 0.0), ("relu", 0.25),
                      ("gated-gelu", 0.25)])
    func feedForward(kind: String, dropout: Double) throws {
        let model = try TinyTraining.model(kind)
        let ffn = model.weights.encoderLayers[0].feedForward
        ffn.wi.makeTrainable()
        ffn.wo.makeTrainable()
        let (d, f, rows) = (model.config.dModel, model.config.dFF, 5)
        var rng = SeededRandom(seed: 12)
        let h = TinyTraining.random([rows, d], &rng, scale: 2), x = TinyTraining.random([rows, d], &rng)
        let dY = TinyTraining.random([rows, d], &rng)
        let wi = ffn.wi.weight.clone(), wo = ffn.wo.weight.clone()

        let out = x.clone(), dh = Tensor(zeros: [rows, d]), ws = Workspace()
        let pass = TrainingPass(dropout: dropout, seed: 13, step: 0)
        let tape = try #require(ffn(h.data, residual: out.data, rows: rows, workspace: ws, recording: pass))
        ffn.backward(dResidual: dY.data, dInp: dh.data, tape: tape, workspace: ws)

        let reference = DoubleT5.Dropout(probability: dropout, seed: 13)
        let sites: (UInt32, UInt32)? = dropout > 0 ? (0, 1) : nil
        func forward(_ h: [Double], _ wi: [Double], _ wo: [Double]) -> [Double] {
            DoubleT5.feedForward(h: h, x: TinyTraining.doubles(x), wi: wi, wo: wo, rows: rows, d: d, f: f,
                                 activation: ffn.activation, gated: ffn.gated, dropout: reference, sites: sites)
        }
        let (hD, iD, oD) = (TinyTraining.doubles(h), TinyTraining.doubles(wi), TinyTraining.doubles(wo))
        let label = "\(kind) feed-forward, dropout \(dropout)"
        TinyTraining.expectForward(label, out, forward(hD, iD, oD))
        TinyTraining.check("\(label) dh", analytic: dh, at: h) { DoubleT5.dot(forward($0, iD, oD), dY.array) }
        TinyTraining.check("\(label) dW_i", analytic: try #require(ffn.wi.gradient), at: wi) {
            DoubleT5.dot(forward(hD, $0, oD), dY.array)
        }
        TinyTraining.check("\(label) dW_o", analytic: try #require(ffn.wo.gradient), at: wo) {
            DoubleT5.dot(forward(hD, iD, $0), dY.array)
        }
    }

    /// logits = scale · h · W with W the head's (D, V) weight, or for a tied head the embedding transposed.
    @Test(arguments: [true, false])
    func lmHead(tied: Bool) throws {
        let model = try TinyTraining.model("relu", tied: tied)
        let head = model.weights.lmHead, embedding = model.weights.embedding
        #expect(head.isTied == tied)
        if tied { embedding.makeTrainable() } else { try #require(head.projection).makeTrainable() }
        let (d, vocab, rows) = (model.config.dModel, model.config.vocabSize, 4)
        let scale = Double(head.scale)
        #expect(tied ? abs(scale - 1 / Double(d).squareRoot()) < 1e-7 : scale == 1)
        var rng = SeededRandom(seed: 14)
        let h = TinyTraining.random([rows, d], &rng), dLogits = TinyTraining.random([rows, vocab], &rng)
        let dh = Tensor(zeros: [rows, d])
        let consumed = dLogits.clone()  // the backward scales it in place
        head.backward(dLogits: consumed.data, dInp: dh.data, inp: h.data, rows: rows, embedding: embedding)
        // The weight as the reference sees it: (D, V), from the embedding (V, D) when tied.
        let stored = tied ? embedding.table.clone() : try #require(head.projection).weight.clone()
        func forward(_ h: [Double], _ weight: [Double]) -> [Double] {
            let w = tied ? (0..<(d * vocab)).map { weight[($0 % vocab) * d + $0 / vocab] } : weight  // (D, V)
            return DoubleT5.linear(h, w, rows: rows, k: d, n: vocab).map { $0 * scale }
        }
        let label = tied ? "tied LM head" : "untied LM head"
        TinyTraining.check("\(label) dh", analytic: dh, at: h) {
            DoubleT5.dot(forward($0, TinyTraining.doubles(stored)), dLogits.array)
        }
        let dWeight = try #require(tied ? embedding.gradient : head.projection?.gradient)
        TinyTraining.check("\(label) d\(tied ? "E (shared.weight)" : "W (lm_head.weight)")", analytic: dWeight,
                           at: stored) { DoubleT5.dot(forward(TinyTraining.doubles(h), $0), dLogits.array) }
        #expect(tied == (head.projection == nil) && (head.table?.storage === embedding.table.storage || !tied),
                "a tied head is the embedding itself, no copy")
    }

    @Test func embeddingScatterAdd() throws {
        let model = try TinyTraining.model("relu")
        let embedding = model.weights.embedding, d = model.config.dModel
        let ids: [Int32] = [3, 7, 3, 0, 23, 7, 3]
        var rng = SeededRandom(seed: 15)
        let dOut = TinyTraining.random([ids.count, d], &rng)
        embedding.backward(dOut: dOut.data, ids: ids)
        #expect(embedding.gradient == nil, "a frozen embedding must not allocate a gradient")
        embedding.makeTrainable()
        embedding.backward(dOut: dOut.data, ids: ids)
        let gradient = try #require(embedding.gradient)
        var expected = [Double](repeating: 0, count: gradient.count)
        for (r, id) in ids.enumerated() { for c in 0..<d { expected[Int(id) * d + c] += Double(dOut.data[r * d + c]) } }
        let report = Closeness("embedding scatter-add", got: gradient.array, expected: expected.map(Float.init),
                               maxAbs: 1e-6)
        #expect(report.passed, "\(report)")
    }
}
