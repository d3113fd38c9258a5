// Every instruction-set variant of the training C kernels (training.c: AVX-512, AVX2+FMA, portable) that this CPU
// can run, held to the naive Swift twins with the tolerances of BackwardTwinTests; the public functions only ever
// exercise the variant the CPU picks. Dropout masks must be bit-identical across variants.
import CKernels
import Kernels
import Testing
import TestSupport

private func trainingVariants() -> [album_training_kernels] {
    var tables = [UnsafePointer<album_training_kernels>?](repeating: nil, count: 3)
    let count = album_training_available(&tables, tables.count)
    return tables.prefix(count).map { $0!.pointee }
}

private func cActivation(_ kind: Activation) -> album_activation {
    switch kind {
    case .relu: ALBUM_ACT_RELU
    case .geluNew: ALBUM_ACT_GELU_NEW
    case .gelu: ALBUM_ACT_GELU
    case .silu: ALBUM_ACT_SILU
    }
}

@Suite struct TrainingVariantTests {
    @Test func activeVariantIsTheBestAvailable() throws {
        let variants = trainingVariants()
        #expect((1...3).contains(variants.count))
        #expect(String(cString: variants.last!.name) == "portable", "the portable variant always runs")
        let active = try #require(album_training_active())
        #expect(String(cString: active.pointee.name) == String(cString: variants[0].name))
        #expect(album_training_active() == active)
    }

    @Test func everyVariantMatchesTheNaiveTwins() {
        var dropoutResults: [[Float]] = []
        for kernels in trainingVariants() {
            let name = String(cString: kernels.name)
            var rng = Rng(state: 2025)

            let rows = 3, dim = 515
            let x = rng.floats(rows * dim, scale: 3), w = rng.floats(dim), b = rng.floats(dim), dy = rng.floats(rows * dim)
            let xt = Tensor(shape: [rows, dim], values: x), wt = Tensor(shape: [dim], values: w)
            let bt = Tensor(shape: [dim], values: b), dyt = Tensor(shape: [rows, dim], values: dy)
            let out = Tensor(zeros: [rows, dim]), rstd = Tensor(zeros: [rows]), mean = Tensor(zeros: [rows])
            let dx = Tensor(zeros: [rows, dim]), dw = Tensor(zeros: [dim]), db = Tensor(zeros: [dim])
            kernels.rmsnorm_forward(out.data, rstd.data, xt.data, wt.data, rows, dim, 1e-6)
            let norm = Closeness("\(name) rmsnorm forward", got: out.array,
                                 expected: Naive.rmsNorm(x, weight: w, rows: rows, dim: dim, eps: 1e-6), maxAbs: 1e-5, nmse: 1e-7)
            #expect(norm.passed, "\(norm)")
            kernels.rmsnorm_backward(dx.data, dw.data, dyt.data, xt.data, wt.data, rstd.data, rows, dim)
            let rms = Naive.rmsNormBackward(dOut: dy, x: x, weight: w, rows: rows, dim: dim, eps: 1e-6)
            for (label, got, expected) in [("dX", dx.array, rms.dInp), ("dW", dw.array, rms.dWeight)] {
                let report = Closeness("\(name) rmsnorm \(label)", got: got, expected: expected, maxAbs: 1e-4, nmse: 1e-7)
                #expect(report.passed, "\(report)")
            }

            kernels.layernorm_forward(out.data, mean.data, rstd.data, xt.data, wt.data, bt.data, rows, dim, 1e-5)
            let ln = Naive.layerNorm(x, weight: w, bias: b, rows: rows, dim: dim, eps: 1e-5)
            let lnReport = Closeness("\(name) layernorm forward", got: out.array, expected: ln.out, maxAbs: 1e-5, nmse: 1e-7)
            #expect(lnReport.passed, "\(lnReport)")
            dx.data.update(repeating: 0, count: dx.count)
            dw.data.update(repeating: 0, count: dim)
            kernels.layernorm_backward(dx.data, dw.data, db.data, dyt.data, xt.data, wt.data, mean.data, rstd.data, rows, dim)
            let lnGrads = Naive.layerNormBackward(dOut: dy, x: x, weight: w, rows: rows, dim: dim, eps: 1e-5)
            for (label, got, expected) in [("dX", dx.array, lnGrads.dInp), ("dW", dw.array, lnGrads.dWeight), ("dB", db.array, lnGrads.dBias)] {
                let report = Closeness("\(name) layernorm \(label)", got: got, expected: expected, maxAbs: 1e-4, nmse: 1e-7)
                #expect(report.passed, "\(report)")
            }

            let sRows = 4, total = 70, valid = [70, 3, 41, 1]
            let probs = Tensor(shape: [sRows, total], values: rng.floats(sRows * total, scale: 5))
            for r in 0..<sRows { softmaxRow(probs.row(r), bias: nil, valid: valid[r], total: total) }
            let dp = rng.floats(sRows * total), dpt = Tensor(shape: [sRows, total], values: dp)
            let ds = Tensor(zeros: [sRows, total])
            kernels.softmax_backward(ds.data, nil, dpt.data, probs.data, valid, sRows, total)
            let soft = Closeness("\(name) softmax backward", got: ds.array,
                                 expected: Naive.softmaxBackward(dOut: dp, probs: probs.array, valid: valid, total: total),
                                 maxAbs: 1e-6, nmse: 1e-7)
            #expect(soft.passed, "\(soft)")

            for kind in Activation.allCases {
                let a = rng.floats(1027, scale: 10) + [0, -0.0, 30, -30, 100, -100]
                let ad = rng.floats(a.count)
                let at = Tensor(shape: [a.count], values: a), adt = Tensor(shape: [a.count], values: ad), ag = Tensor(zeros: [a.count])
                kernels.activation_backward(ag.data, adt.data, at.data, a.count, cActivation(kind))
                let act = Closeness("\(name) \(kind) backward", got: ag.array,
                                    expected: Naive.activationBackward(dOut: ad, inp: a, kind), maxAbs: 2e-6, rel: 1e-5, nmse: 1e-7)
                #expect(act.passed, "\(act)")

                let gRows = 3, width = 45
                let g = rng.floats(gRows * 2 * width, scale: 5), gd = rng.floats(gRows * width)
                let gt = Tensor(shape: [gRows, 2 * width], values: g), gdt = Tensor(shape: [gRows, width], values: gd)
                let gg = Tensor(zeros: [gRows, 2 * width])
                kernels.gated_backward(gg.data, gdt.data, gt.data, gRows, width, cActivation(kind))
                let gated = Closeness("\(name) gated \(kind) backward", got: gg.array,
                                      expected: Naive.gatedBackward(dOut: gd, inp: g, rows: gRows, width: width, kind),
                                      maxAbs: 1e-5, rel: 1e-5, nmse: 1e-7)
                #expect(gated.passed, "\(gated)")
            }

            let vocab = 3001, logits = rng.floats(vocab, scale: 15)
            let lt = Tensor(shape: [vocab], values: logits), lg = Tensor(zeros: [vocab])
            var nll = 0.0, smooth = 0.0
            kernels.cross_entropy_row(lg.data, lt.data, vocab, 1234, 0.1, 1, &nll, &smooth)
            let naive = Naive.crossEntropy(logits: logits, targets: [1234], vocab: vocab, labelSmoothing: 0.1)
            let loss = 0.9 * nll + 0.1 / Double(vocab) * smooth
            #expect(abs(loss - naive.loss) <= 1e-6 * abs(naive.loss), "\(name) cross-entropy \(loss) vs \(naive.loss)")
            let ce = Closeness("\(name) cross-entropy grad", got: lg.array, expected: naive.dLogits, maxAbs: 1e-7, nmse: 1e-7)
            #expect(ce.passed, "\(ce)")

            let count = 1001, keep = Tensor(shape: [count], values: rng.floats(count)), dropped = Tensor(zeros: [count])
            let key = album_dropout_key(seed: 0xFEED_F00D_1234, step: 7, layer: 3)
            kernels.dropout(dropped.data, keep.data, count, 1_677_722, 1 / Float(0.9), key, 5, 0)
            dropoutResults.append(dropped.array)

            // The backward from the dropout's output: the naive twin, bit for bit.
            let upstream = rng.floats(count), masked = Tensor(shape: [count], values: upstream)
            kernels.mask_like(masked.data, dropped.data, count, 1 / Float(0.9))
            #expect(masked.array == Naive.dropoutGradient(upstream, like: dropped.array, probability: 0.1),
                    "\(name) mask_like")
        }
        // Integer RNG, one multiply per kept value: every variant draws the same mask and the same values.
        for result in dropoutResults.dropFirst() { #expect(result == dropoutResults[0]) }
    }
}
