// Every instruction-set variant of the element-wise C kernels (elementwise.c: AVX-512, AVX2+FMA, portable) that this
// CPU can run, held to the naive Swift twins (Sources/Kernels/Reference) with the tolerances of KernelTwinTests;
// the public album_* functions only ever exercise the one variant the CPU picks.
import CKernels
import Kernels
import Testing
import TestSupport

/// The variants this CPU runs, best first.
private func availableVariants() -> [album_elementwise_kernels] {
    var tables = [UnsafePointer<album_elementwise_kernels>?](repeating: nil, count: 3)
    let count = album_elementwise_available(&tables, tables.count)
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

@Suite struct ElementwiseVariantTests {
    @Test func activeVariantIsTheBestAvailable() throws {
        let variants = availableVariants()
        #expect((1...3).contains(variants.count))
        #expect(String(cString: variants.last!.name) == "portable", "the portable variant always runs")
        let active = try #require(album_elementwise_active())
        #expect(String(cString: active.pointee.name) == String(cString: variants[0].name))
        // Selection happens once: every call returns the same table.
        #expect(album_elementwise_active() == active)
    }

    @Test func everyVariantMatchesTheNaiveTwins() throws {
        for kernels in availableVariants() {
            let name = String(cString: kernels.name)
            var rng = Rng(state: 2024)

            let rows = 3, dim = 1000
            let x = rng.floats(rows * dim, scale: 3), w = rng.floats(dim)
            let out = Tensor(zeros: [rows, dim])
            let input = Tensor(shape: [rows, dim], values: x), weight = Tensor(shape: [dim], values: w)
            kernels.rmsnorm(out.data, input.data, weight.data, rows, dim, 1e-6)
            let norm = Closeness("\(name) rmsnorm", got: out.array,
                                 expected: Naive.rmsNorm(x, weight: w, rows: rows, dim: dim, eps: 1e-6),
                                 maxAbs: 1e-5, nmse: 1e-7)
            #expect(norm.passed, "\(norm)")

            let valid = 200, total = 257
            let row = rng.floats(total, scale: 8), bias = rng.floats(total, scale: 4)
            let t = Tensor(shape: [total], values: row), b = Tensor(shape: [total], values: bias)
            kernels.softmax_bias(t.data, b.data, valid, total)
            let soft = Closeness("\(name) softmax", got: t.array, expected: Naive.softmax(row, bias: bias, valid: valid),
                                 maxAbs: 1e-6, nmse: 1e-7)
            #expect(soft.passed, "\(soft)")

            for kind in Activation.allCases {
                let a = rng.floats(1027, scale: 12) + [0, -0.0, 1e-8, -1e-8, 30, -30, 100, -100]
                let at = Tensor(shape: [a.count], values: a)
                kernels.activation_inplace(at.data, a.count, cActivation(kind))
                let act = Closeness("\(name) \(kind)", got: at.array, expected: a.map { Naive.activation($0, kind) },
                                    maxAbs: 2e-6, rel: 1e-6, nmse: 1e-7)
                #expect(act.passed, "\(act)")

                let gRows = 5, width = 77
                let g = rng.floats(gRows * 2 * width, scale: 5)
                let gOut = Tensor(zeros: [gRows, width]), gIn = Tensor(shape: [gRows, 2 * width], values: g)
                kernels.gated_activation(gOut.data, gIn.data, gRows, width, cActivation(kind))
                let gated = Closeness("\(name) gated \(kind)", got: gOut.array,
                                      expected: Naive.gated(g, rows: gRows, width: width, kind),
                                      maxAbs: 1e-5, rel: 1e-6, nmse: 1e-7)
                #expect(gated.passed, "\(gated)")
            }

            let logits = rng.floats(4016, scale: 20)
            let lt = Tensor(shape: [logits.count], values: logits), lOut = Tensor(zeros: [logits.count])
            kernels.log_softmax(lOut.data, lt.data, logits.count)
            let logSoft = Closeness("\(name) log_softmax", got: lOut.array, expected: Naive.logSoftmax(logits),
                                    maxAbs: 1e-5, nmse: 1e-7)
            #expect(logSoft.passed, "\(logSoft)")
            let lse = Double(kernels.logsumexp(lt.data, logits.count))
            #expect(abs(lse - Naive.logSumExp(logits)) <= 1e-5, "\(name) logsumexp \(lse) vs \(Naive.logSumExp(logits))")

            let sum = Tensor(shape: [5], values: [1, 2, 3, 4, 5]), addend = Tensor(shape: [5], values: [10, 20, 30, 40, 50])
            kernels.add(sum.data, addend.data, 5)
            #expect(sum.array == [11, 22, 33, 44, 55], "\(name) add")
        }
    }
}
