// Reads Tests/Fixtures/training/optimizers.json (written by make_training_fixtures.py from torch.optim.AdamW,
// torch.optim.SGD and transformers' Adafactor) and replays a case: fresh parameters from the shared initial values,
// the shared fixed gradients, the case's groups, one Album step per torch step, compared after every step.
import Foundation
import Kernels
import Testing
import TestSupport
import Training

struct OptimizerFixture {
    let shapes: [String: [Int]]
    let initial: [String: [Float]]
    let gradients: [[String: [Float]]]
    let cases: [String: [String: Any]]

    static func load() throws -> OptimizerFixture {
        let root = try #require(try Fixtures.json("training/optimizers.json") as? [String: Any])
        let shapes = try #require(root["shapes"] as? [String: [Int]])
        let initial = try #require(root["initial"] as? [String: Any]).mapValues { try floats($0) }
        let gradients = try #require(root["gradients"] as? [[String: Any]]).map { try $0.mapValues { try floats($0) } }
        let cases = try #require(root["cases"] as? [String: [String: Any]])
        return OptimizerFixture(shapes: shapes, initial: initial, gradients: gradients, cases: cases)
    }

    /// The case's parameter groups over fresh parameters, and the parameters by name.
    func groups(of name: String) throws -> (groups: [ParameterGroup], parameters: [String: Parameter]) {
        let spec = try #require(cases[name]?["groups"] as? [[String: Any]])
        var parameters: [String: Parameter] = [:]
        for (key, shape) in shapes {
            parameters[key] = Parameter(name: key, value: Tensor(shape: shape, values: try #require(initial[key])))
        }
        let groups = try spec.map { group in
            let names = try #require(group["params"] as? [String])
            return ParameterGroup(parameters: try names.map { try #require(parameters[$0]) },
                                  learningRate: (group["lr"] as? Double) ?? 0,
                                  weightDecay: try #require(group["weight_decay"] as? Double))
        }
        return (groups, parameters)
    }

    /// Runs every step of case `name` and returns, per step, the Closeness of each parameter to torch's
    /// (tolerance: rel · |torch value| + maxAbs). `factor(step)` is the schedule multiplier of that step.
    func replay(_ name: String, optimizer: Optimizer, parameters: [String: Parameter], maxAbs: Double, rel: Double,
                factor: (Int) -> Double = { _ in 1 }) throws -> [Closeness] {
        let steps = try #require(cases[name]?["steps"] as? [[String: Any]])
        #expect(steps.count == gradients.count)
        var reports: [Closeness] = []
        for (step, expected) in steps.enumerated() {
            for (key, parameter) in parameters {
                let g = try #require(gradients[step][key])
                parameter.grad.data.update(from: g, count: g.count)
            }
            optimizer.step(learningRateFactor: factor(step))
            for key in parameters.keys.sorted() {
                let torchValues = try floats(try #require(expected[key]))
                reports.append(Closeness("\(name) step \(step + 1) \(key)", got: try #require(parameters[key]).value.array,
                                         expected: torchValues, maxAbs: maxAbs, rel: rel))
            }
        }
        return reports
    }
}

/// A JSON array of numbers as Floats.
func floats(_ value: Any) throws -> [Float] {
    try #require(value as? [Double]).map { Float($0) }
}
