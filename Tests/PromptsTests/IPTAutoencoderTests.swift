// The IPT auto-encoder held to a naive Double twin (forward) and to central differences of that twin (every weight's
// gradient and dL/dz), for L = Σ c·P̂ + ½ Σ P̂² of P̂ = Proj_b(Proj(P)).
import Foundation
import Kernels
import Testing
import TestSupport
@testable import Prompts

@Suite struct IPTAutoencoderTests {
    /// The naive twin: plain loops in Double over torch-layout weights [W1, b1, W2, b2, W3, b3].
    static func twin(_ w: [[Double]], prompt: [Double], di: Int, h: Int) -> (z: [Double], out: [Double]) {
        let flat = prompt.count
        var z = w[1]
        for i in 0..<di { for j in 0..<flat { z[i] += w[0][i * flat + j] * prompt[j] } }
        let out = twinDecode(w, z: z, flat: flat, di: di, h: h)
        return (z, out)
    }

    static func twinDecode(_ w: [[Double]], z: [Double], flat: Int, di: Int, h: Int) -> [Double] {
        var a = w[3]
        for i in 0..<h { for j in 0..<di { a[i] += w[2][i * di + j] * z[j] } }
        let hidden = a.map { Foundation.tanh($0) }
        var out = w[5]
        for i in 0..<flat { for j in 0..<h { out[i] += w[4][i * h + j] * hidden[j] } }
        return out
    }

    let ae = IPTFixture.autoencoder()
    let prompt = IPTFixture.tensor([IPTFixture.n, IPTFixture.d], scale: 0.5, seed: 7)
    let c = IPTFixture.tensor([IPTFixture.n * IPTFixture.d], scale: 1, seed: 8)
    var weights: [[Double]] { ae.namedTensors.map { $0.1.array.map(Double.init) } }

    /// L = Σ c·out + ½ Σ out².
    func loss(_ out: [Double]) -> Double { zip(out, c.array).reduce(0) { $0 + Double($1.1) * $1.0 + 0.5 * $1.0 * $1.0 } }

    @Test func forwardMatchesNaiveTwin() {
        let z = ae.project(prompt.data)
        let out = ae.reconstruct(z.data).prompt
        let twin = Self.twin(weights, prompt: prompt.array.map(Double.init), di: IPTFixture.di, h: IPTFixture.h)
        #expect(out.shape == [IPTFixture.n, IPTFixture.d])
        let rz = Closeness("z", got: z.array, expected: twin.z.map(Float.init), maxAbs: 1e-5, rel: 1e-5)
        let rp = Closeness("P̂", got: out.array, expected: twin.out.map(Float.init), maxAbs: 1e-5, rel: 1e-5)
        #expect(rz.passed, "\(rz)")
        #expect(rp.passed, "\(rp)")
    }

    @Test func gradientsMatchFiniteDifferences() {
        let gradients = IPTAutoencoderGradients(
            projWeight: Tensor(zeros: ae.projWeight.shape), projBias: Tensor(zeros: ae.projBias.shape),
            hiddenWeight: Tensor(zeros: ae.hiddenWeight.shape), hiddenBias: Tensor(zeros: ae.hiddenBias.shape),
            outWeight: Tensor(zeros: ae.outWeight.shape), outBias: Tensor(zeros: ae.outBias.shape))
        let z = ae.project(prompt.data)
        let (out, hidden) = ae.reconstruct(z.data)
        let g = Tensor(uninitialized: [out.count])
        for i in 0..<out.count { g.data[i] = c.data[i] + out.data[i] }
        let dz = ae.backwardReconstruct(z: z.data, hidden: hidden, promptGradient: g.data, into: gradients)
        ae.backwardProject(prompt: prompt.data, codeGradient: dz, into: gradients)
        let analytic = [gradients.projWeight, gradients.projBias, gradients.hiddenWeight, gradients.hiddenBias,
                        gradients.outWeight, gradients.outBias].map { $0!.array }
        let p = prompt.array.map(Double.init)
        let base = weights
        for (index, (name, tensor)) in ae.namedTensors.enumerated() {
            let report = GradCheck.check("d\(name)", analytic: analytic[index], at: tensor.array, step: 1e-4, maxAbs: 2e-3, rel: 2e-3) { x in
                var w = base
                w[index] = x
                return loss(Self.twin(w, prompt: p, di: IPTFixture.di, h: IPTFixture.h).out)
            }
            #expect(report.passed, "\(report)")
        }
        // dL/dz, what intrinsic subspace tuning trains.
        let report = GradCheck.check("dz", analytic: dz.array, at: z.array, step: 1e-4, maxAbs: 2e-3, rel: 2e-3) { x in
            loss(Self.twinDecode(base, z: x, flat: p.count, di: IPTFixture.di, h: IPTFixture.h))
        }
        #expect(report.passed, "\(report)")
        #expect(dz.array.contains { abs($0) > 1e-3 }, "a vacuous check: dz is zero")
    }

    @Test func frozenTensorsGetNoGradient() {
        let z = ae.project(prompt.data)
        let (_, hidden) = ae.reconstruct(z.data)
        let before = ae.namedTensors.map { $0.1.array }
        let dz = ae.backwardReconstruct(z: z.data, hidden: hidden, promptGradient: c.data, into: IPTAutoencoderGradients())
        #expect(dz.shape == [IPTFixture.di] && dz.array.contains { $0 != 0 })
        #expect(ae.namedTensors.map { $0.1.array } == before)
    }
}
