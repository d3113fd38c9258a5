// SGD against torch.optim.SGD (foreach=False) over 10 steps on fixed gradients: plain, momentum with dampening and
// L2 weight decay, Nesterov with two groups. Tolerance per step: 1e-6 relative (+1e-7 absolute near 0).
import Testing
import TestSupport
import Training

@Suite struct SGDTests {
    @Test(arguments: ["sgd_plain", "sgd_momentum", "sgd_nesterov"])
    func matchesTorchTrajectory(caseName: String) throws {
        let fixture = try OptimizerFixture.load()
        let spec = try #require(fixture.cases[caseName])
        let (groups, parameters) = try fixture.groups(of: caseName)
        let optimizer = try SGD(groups: groups, momentum: try #require(spec["momentum"] as? Double),
                                dampening: try #require(spec["dampening"] as? Double),
                                nesterov: try #require(spec["nesterov"] as? Bool))
        let reports = try fixture.replay(caseName, optimizer: optimizer, parameters: parameters, maxAbs: 1e-7, rel: 1e-6)
        for report in reports { #expect(report.passed, "\(report)") }
    }

    @Test func rejectsNesterovWithoutMomentumOrWithDampening() {
        let p = [Parameter(name: "p", value: .init(zeros: [2]))]
        #expect(throws: TrainingError.self) { try SGD(parameters: p, learningRate: 0.1, nesterov: true) }
        #expect(throws: TrainingError.self) { try SGD(parameters: p, learningRate: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true) }
        #expect(throws: TrainingError.self) { try SGD(parameters: p, learningRate: 0.1, momentum: -0.5) }
    }
}
