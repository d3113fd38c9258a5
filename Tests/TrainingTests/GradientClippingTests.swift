// clipGradientNorm against torch.nn.utils.clip_grad_norm_(foreach=False) (Tests/Fixtures/training/clipping.json):
// clipped, unclipped, tiny gradients, max_norm 0, and a larger norm. Tolerance: 1e-6 relative on the total norm
// and on the clipped gradients (Album sums squares in Double, torch per tensor in float).
import Kernels
import Testing
import TestSupport
import Training

@Suite struct GradientClippingTests {
    @Test func matchesTorch() throws {
        let root = try #require(try Fixtures.json("training/clipping.json") as? [String: Any])
        let shapes = try #require(root["shapes"] as? [String: [Int]])
        let cases = try #require(root["cases"] as? [[String: Any]])
        #expect(cases.count == 5)
        for (index, spec) in cases.enumerated() {
            let gradients = try #require(spec["gradients"] as? [String: Any])
            let clipped = try #require(spec["clipped"] as? [String: Any])
            let names = shapes.keys.sorted()
            let parameters = try names.map { name in
                let p = Parameter(name: name, value: Tensor(zeros: try #require(shapes[name])))
                let g = try floats(try #require(gradients[name]))
                p.grad.data.update(from: g, count: g.count)
                return p
            }
            let maxNorm = try #require(spec["max_norm"] as? Double)
            let total = try clipGradientNorm(parameters, maxNorm: maxNorm)
            let expected = try #require(spec["total_norm"] as? Double)
            #expect(abs(Double(total) - expected) <= 1e-6 * expected, "case \(index): total norm \(total) vs torch \(expected) (rel 1e-6)")
            for (name, parameter) in zip(names, parameters) {
                let report = Closeness("case \(index) (max norm \(maxNorm)) \(name)", got: parameter.grad.array,
                                       expected: try floats(try #require(clipped[name])), maxAbs: 1e-9, rel: 1e-6)
                #expect(report.passed, "\(report)")
            }
        }
    }

    @Test func nonFiniteNormThrowsOnlyWhenAsked() throws {
        let p = Parameter(name: "p", value: Tensor(zeros: [2]))
        p.grad.data[0] = .infinity
        #expect(throws: TrainingError.nonFiniteGradientNorm(.infinity)) {
            try clipGradientNorm([p], maxNorm: 1, errorIfNonfinite: true)
        }
        let total = try clipGradientNorm([p], maxNorm: 1)
        #expect(total == .infinity)
        #expect(throws: TrainingError.self) { try clipGradientNorm([p], maxNorm: -1) }
    }
}
