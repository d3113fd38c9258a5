// AdamW against torch.optim.AdamW (foreach=False, the CPU path) over 10 steps on fixed gradients
// (Tests/Fixtures/training/optimizers.json): one and two parameter groups, β1 ≥ 0.5 and < 0.5 (both lerp
// branches), and the spec's recipe under a linear warmup/decay schedule. Tolerance per step: 1e-6 relative
// (+1e-7 absolute for values near 0); the arithmetic is torch's, so only FMA contraction and rounding differ
// (observed with torch 2.15: at most 2.4e-7 absolute on parameters of order 1).
import Foundation
import Testing
import TestSupport
import Training

@Suite struct AdamWTests {
    @Test(arguments: ["adamw_default", "adamw_groups", "adamw_small_beta1", "adamw_linear_schedule"])
    func matchesTorchTrajectory(caseName: String) throws {
        let fixture = try OptimizerFixture.load()
        let spec = try #require(fixture.cases[caseName])
        let betas = try #require(spec["betas"] as? [Double])
        let (groups, parameters) = try fixture.groups(of: caseName)
        let optimizer = try AdamW(groups: groups, beta1: betas[0], beta2: betas[1], epsilon: try #require(spec["eps"] as? Double))
        var schedule = LearningRateSchedule.constant
        if let s = spec["schedule"] as? [String: Any] {
            schedule = .linear(warmupSteps: try #require(s["warmup"] as? Int), totalSteps: try #require(s["total"] as? Int))
        }
        let reports = try fixture.replay(caseName, optimizer: optimizer, parameters: parameters, maxAbs: 1e-7, rel: 1e-6,
                                         factor: { schedule.factor(step: $0) })
        for report in reports { #expect(report.passed, "\(report)") }
        #expect(optimizer.stepCount == 10)
    }

    @Test func rejectsOutOfRangeHyperparameters() {
        let p = [Parameter(name: "p", value: .init(zeros: [2]))]
        #expect(throws: TrainingError.self) { try AdamW(parameters: p, learningRate: -1) }
        #expect(throws: TrainingError.self) { try AdamW(parameters: p, learningRate: 1, beta1: 1) }
        #expect(throws: TrainingError.self) { try AdamW(parameters: p, learningRate: 1, beta2: -0.1) }
        #expect(throws: TrainingError.self) { try AdamW(parameters: p, learningRate: 1, epsilon: -1) }
        #expect(throws: TrainingError.self) { try AdamW(parameters: p, learningRate: 1, weightDecay: -1) }
    }

    @Test func zeroGradClearsEveryGradient() throws {
        let p = Parameter(name: "p", value: .init(shape: [3], values: [1, 2, 3]))
        p.grad.data.update(repeating: 5, count: 3)
        let optimizer = try AdamW(parameters: [p], learningRate: 0.1)
        optimizer.zeroGrad()
        #expect(p.grad.array == [0, 0, 0])
    }
}
