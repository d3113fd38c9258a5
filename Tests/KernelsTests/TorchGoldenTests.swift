// The training kernels against PyTorch autograd goldens (Tests/Fixtures/training/kernels.json, written by
// make_training_fixtures.py): CrossEntropyLoss with ignore_index and label smoothing, nn.LayerNorm, HF T5LayerNorm,
// HF ACT2FN activations and the gated product, T5-style masked softmax with position bias, bias-free nn.Linear,
// nn.Embedding, and the value dropout gives a kept element. Tolerances are stated per comparison: float32 kernels vs
// float32 torch, so a few ulps of the values involved.
import Foundation
import Kernels
import Testing
import TestSupport

private func floats(_ object: [String: Any], _ key: String) throws -> [Float] {
    try #require(object[key] as? [Double], "fixture key \(key)").map { Float($0) }
}

private func tensor(_ values: [Float], _ shape: [Int]) -> Tensor { Tensor(shape: shape, values: values) }

@Suite struct TorchGoldenTests {
    let root: [String: Any]

    init() throws {
        root = try #require(try Fixtures.json("training/kernels.json") as? [String: Any])
    }

    private func section(_ name: String) throws -> [String: Any] {
        try #require(root[name] as? [String: Any], "fixture section \(name)")
    }

    @Test func crossEntropyWithIgnoreIndexAndLabelSmoothing() throws {
        let ce = try section("cross_entropy")
        let rows = try #require(ce["rows"] as? Int), vocab = try #require(ce["vocab"] as? Int)
        let logits = tensor(try floats(ce, "logits"), [rows, vocab])
        let targets = try #require(ce["targets"] as? [Int]).map { Int32($0) }
        let cases = try #require(ce["cases"] as? [[String: Any]])
        #expect(cases.count == 3)
        for spec in cases {
            let smoothing = Float(try #require(spec["smoothing"] as? Double))
            let grad = Tensor(zeros: [rows, vocab])
            let loss = crossEntropy(dLogits: grad.data, logits: logits.data, targets: targets, rows: rows, vocab: vocab,
                                    labelSmoothing: smoothing)
            let expected = try #require(spec["loss"] as? Double)
            #expect(abs(loss - expected) <= 2e-6 * abs(expected), "ε=\(smoothing): loss \(loss) vs torch \(expected) (rel 2e-6)")
            let report = Closeness("cross-entropy dLogits ε=\(smoothing)", got: grad.array, expected: try floats(spec, "dlogits"),
                                   maxAbs: 1e-7, rel: 1e-5)
            #expect(report.passed, "\(report)")
        }
    }

    @Test func layerNormForwardAndBackward() throws {
        let ln = try section("layer_norm")
        let rows = try #require(ln["rows"] as? Int), dim = try #require(ln["dim"] as? Int)
        let x = tensor(try floats(ln, "x"), [rows, dim]), w = tensor(try floats(ln, "weight"), [dim])
        let b = tensor(try floats(ln, "bias"), [dim]), dy = tensor(try floats(ln, "dout"), [rows, dim])
        let out = Tensor(zeros: [rows, dim]), mean = Tensor(zeros: [rows]), rstd = Tensor(zeros: [rows])
        layerNormForward(out: out.data, mean: mean.data, rstd: rstd.data, inp: x.data, weight: w.data, bias: b.data,
                         rows: rows, dim: dim, eps: Float(try #require(ln["eps"] as? Double)))
        let dx = Tensor(zeros: [rows, dim]), dw = Tensor(zeros: [dim]), db = Tensor(zeros: [dim])
        layerNormBackward(dInp: dx.data, dWeight: dw.data, dBias: db.data, dOut: dy.data, inp: x.data, weight: w.data,
                          mean: mean.data, rstd: rstd.data, rows: rows, dim: dim)
        for (label, got, key) in [("out", out, "out"), ("dX", dx, "dx"), ("dWeight", dw, "dweight"), ("dBias", db, "dbias")] {
            let report = Closeness("LayerNorm \(label)", got: got.array, expected: try floats(ln, key), maxAbs: 1e-5, rel: 1e-5)
            #expect(report.passed, "\(report)")
        }
    }

    @Test func t5LayerNormForwardAndBackward() throws {
        let ln = try section("t5_layer_norm")
        let rows = try #require(ln["rows"] as? Int), dim = try #require(ln["dim"] as? Int)
        let x = tensor(try floats(ln, "x"), [rows, dim]), w = tensor(try floats(ln, "weight"), [dim])
        let dy = tensor(try floats(ln, "dout"), [rows, dim])
        let out = Tensor(zeros: [rows, dim]), rstd = Tensor(zeros: [rows])
        rmsNormForward(out: out.data, rstd: rstd.data, inp: x.data, weight: w.data, rows: rows, dim: dim,
                       eps: Float(try #require(ln["eps"] as? Double)))
        let dx = Tensor(zeros: [rows, dim]), dw = Tensor(zeros: [dim])
        rmsNormBackward(dInp: dx.data, dWeight: dw.data, dOut: dy.data, inp: x.data, weight: w.data, rstd: rstd.data,
                        rows: rows, dim: dim)
        for (label, got, key) in [("out", out, "out"), ("dX", dx, "dx"), ("dWeight", dw, "dweight")] {
            let report = Closeness("T5LayerNorm \(label)", got: got.array, expected: try floats(ln, key), maxAbs: 1e-5, rel: 1e-5)
            #expect(report.passed, "\(report)")
        }
    }

    @Test(arguments: Activation.allCases)
    func activationBackwardAndGated(kind: Activation) throws {
        let acts = try section("activations")
        let spec = try #require((acts["cases"] as? [String: Any])?[kind.rawValue] as? [String: Any])
        let x = try floats(acts, "x"), dy = try floats(acts, "dout")
        let dx = Tensor(zeros: [x.count]), dyt = tensor(dy, [dy.count]), xt = tensor(x, [x.count])
        kind.backward(dInp: dx.data, dOut: dyt.data, inp: xt.data, count: x.count)
        let report = Closeness("\(kind) dX", got: dx.array, expected: try floats(spec, "dx"), maxAbs: 1e-6, rel: 1e-5)
        #expect(report.passed, "\(report)")

        let gate = try floats(acts, "gate"), linear = try floats(acts, "linear"), dGated = try floats(acts, "dgated")
        let rows = 3, width = gate.count / 3
        var packed: [Float] = []  // (rows, 2·width) = [gate | linear]
        for r in 0..<rows {
            let range = (r * width)..<((r + 1) * width)
            packed.append(contentsOf: gate[range])
            packed.append(contentsOf: linear[range])
        }
        let input = tensor(packed, [rows, 2 * width]), out = Tensor(zeros: [rows, width]), dInp = Tensor(zeros: [rows, 2 * width])
        kind.applyGated(out: out.data, inp: input.data, rows: rows, width: width)
        let forward = Closeness("gated \(kind) out", got: out.array, expected: try floats(spec, "gated_out"), maxAbs: 1e-6, rel: 1e-5)
        #expect(forward.passed, "\(forward)")
        let dOut = tensor(dGated, [rows, width])
        kind.gatedBackward(dInp: dInp.data, dOut: dOut.data, inp: input.data, rows: rows, width: width)
        let dGate = (0..<rows).flatMap { r in (0..<width).map { dInp.data[r * 2 * width + $0] } }
        let dLinear = (0..<rows).flatMap { r in (0..<width).map { dInp.data[r * 2 * width + width + $0] } }
        let g = Closeness("gated \(kind) dGate", got: dGate, expected: try floats(spec, "dgate"), maxAbs: 1e-6, rel: 1e-5)
        #expect(g.passed, "\(g)")
        let l = Closeness("gated \(kind) dLinear", got: dLinear, expected: try floats(spec, "dlinear"), maxAbs: 1e-6, rel: 1e-5)
        #expect(l.passed, "\(l)")
    }

    @Test func maskedSoftmaxWithPositionBias() throws {
        let sm = try section("softmax")
        let rows = try #require(sm["rows"] as? Int), total = try #require(sm["total"] as? Int)
        let valid = try #require(sm["valid"] as? [Int])
        let scores = tensor(try floats(sm, "scores"), [rows, total]), bias = tensor(try floats(sm, "bias"), [rows, total])
        for r in 0..<rows { softmaxRow(scores.row(r), bias: bias.row(r), valid: valid[r], total: total) }
        let probs = Closeness("softmax probs", got: scores.array, expected: try floats(sm, "probs"), maxAbs: 1e-6, rel: 1e-5)
        #expect(probs.passed, "\(probs)")
        let ds = Tensor(zeros: [rows, total]), dBias = Tensor(zeros: [rows, total])
        let dOut = tensor(try floats(sm, "dout"), [rows, total])
        softmaxBackward(dInp: ds.data, dBias: dBias.data, dOut: dOut.data, probs: scores.data, valid: valid, rows: rows,
                        total: total)
        let s = Closeness("softmax dScores", got: ds.array, expected: try floats(sm, "dscores"), maxAbs: 1e-6, rel: 1e-5)
        #expect(s.passed, "\(s)")
        let b = Closeness("softmax dBias", got: dBias.array, expected: try floats(sm, "dbias"), maxAbs: 1e-6, rel: 1e-5)
        #expect(b.passed, "\(b)")
    }

    @Test func linearAndEmbeddingBackward() throws {
        let lin = try section("linear")
        let m = try #require(lin["m"] as? Int), k = try #require(lin["k"] as? Int), n = try #require(lin["n"] as? Int)
        let dx = Tensor(zeros: [m, k]), dw = Tensor(zeros: [k, n])
        let dOut = tensor(try floats(lin, "dout"), [m, n]), x = tensor(try floats(lin, "x"), [m, k])
        let w = tensor(try floats(lin, "weight_kn"), [k, n])
        linearBackward(dInp: dx.data, dWeight: dw.data, dOut: dOut.data, inp: x.data, weight: w.data,
                       rows: m, inFeatures: k, outFeatures: n)
        let rx = Closeness("linear dX", got: dx.array, expected: try floats(lin, "dx"), maxAbs: 1e-5, rel: 1e-5)
        #expect(rx.passed, "\(rx)")
        let rw = Closeness("linear dW (K, N)", got: dw.array, expected: try floats(lin, "dweight_kn"), maxAbs: 1e-5, rel: 1e-5)
        #expect(rw.passed, "\(rw)")

        let emb = try section("embedding")
        let vocab = try #require(emb["vocab"] as? Int), dim = try #require(emb["dim"] as? Int)
        let ids = try #require(emb["ids"] as? [Int]).map { Int32($0) }
        let table = Tensor(zeros: [vocab, dim]), dEmbedded = tensor(try floats(emb, "dout"), [ids.count, dim])
        embeddingBackward(dTable: table.data, dOut: dEmbedded.data, ids: ids, vocab: vocab, dim: dim)
        let re = Closeness("embedding dTable", got: table.array, expected: try floats(emb, "dtable"), maxAbs: 1e-6, rel: 1e-6)
        #expect(re.passed, "\(re)")
    }

    @Test func dropoutKeptValueIsTorchs() throws {
        let kept = try #require((try section("dropout"))["kept_value_of_one"] as? [String: Double])
        #expect(kept.count == 7)
        for (p, value) in kept {
            let probability = try #require(Double(p))
            let ones = Tensor(shape: [256], values: [Float](repeating: 1, count: 256)), out = Tensor(zeros: [256])
            dropoutForward(out: out.data, inp: ones.data, count: 256, probability: probability,
                           key: DropoutKey(seed: 3, step: 0, layer: 0))
            let values = Set(out.array.filter { $0 != 0 })
            // Bit-exact: the multiplier is the same float torch computes (tolerance 0).
            #expect(values == [Float(value)], "p = \(p): kept 1.0 becomes \(values), torch \(Float(value))")
        }
    }
}
