// Album's T5 backward against PyTorch autograd (Tests/Fixtures/make_gradient_fixtures.py) on the tiny checkpoints
// v10_relu_tied (ReLU, tied head with the d_model^-0.5 rescale) and v11_gated_untied (gated-gelu, own head, 3 encoder
// / 2 decoder layers): with dropout 0, the gradient of a soft prompt and of every model weight under its HF name,
// the loss with and without label smoothing, and a 10-step AdamW prompt-tuning loss trace.
// Tolerances: every gradient tensor within 1e-4 relative to its norm; losses and trace within 1e-4 (observed worst
// per tensor family printed by `gradientsMatchAutograd`).
import Foundation
import Kernels
import T5
import Testing
import TestSupport
import Training

@Suite struct GradientParityTests {
    static let variants = ["v10_relu_tied", "v11_gated_untied"]
    static let tolerance = 1e-4

    /// The kind of tensor an HF name denotes, for reporting the worst error per kind.
    static func family(_ name: String) -> String {
        for (needle, family) in [("relative_attention_bias", "relative bias"), ("EncDecAttention.k", "cross k/v"),
                                 ("EncDecAttention.v", "cross k/v"), ("EncDecAttention", "cross q/o"),
                                 ("SelfAttention", "self-attention q/k/v/o"), ("DenseReluDense", "feed-forward"),
                                 ("layer_norm", "norms"), ("shared", "embedding"), ("lm_head", "lm head")]
        where name.contains(needle) { return family }
        return name
    }

    @Test(arguments: variants)
    func gradientsMatchAutograd(variant: String) throws {
        let golden = try GradientGolden.load(), expected = try GradientGolden.tensors(variant)
        let reference = try #require(golden.t5[variant])
        let model = try TinyModels.load(variant)
        model.setTrainable { _ in true }
        let prompt = try expected.tensor("prompt")  // (l, d)
        let result = try model.lossAndGradients(batch: GradientGolden.examples(reference.batch, prompt: prompt),
                                                options: TrainingOptions(dropout: 0))
        #expect(abs(result.loss - reference.loss) <= 1e-4 * abs(reference.loss),
                "\(variant): loss \(result.loss) vs HF \(reference.loss)")
        #expect(result.targetTokens == reference.batch.reduce(0) { $0 + $1.labels.filter { $0 != -100 }.count })

        var worst: [String: Double] = [:]
        // The prompt is shared by every example: its gradient is the sum of the rows'.
        let promptGradient = Tensor(zeros: prompt.shape)
        for gradient in result.promptGradients {
            let g = try #require(gradient)
            addInPlace(promptGradient.data, g.data, count: g.count)
        }
        let promptReport = RelativeError("\(variant) prompt", got: promptGradient.array,
                                         expected: try expected.floats("grad.prompt"), tolerance: Self.tolerance)
        #expect(promptReport.passed, "\(promptReport)")
        worst["prompt"] = promptReport.value

        let parameters = model.parameters
        #expect(parameters.map(\.name).sorted() == reference.parameters.sorted(),
                "\(variant): Album's HF names differ from named_parameters()")
        for parameter in parameters {
            let gradient = try #require(parameter.gradient, "\(parameter.name) has no gradient")
            let report = RelativeError("\(variant) \(parameter.name)", got: gradient.array,
                                       expected: try expected.floats("grad.\(parameter.name)"), tolerance: Self.tolerance)
            #expect(report.passed, "\(report)")
            worst[Self.family(parameter.name), default: 0] = max(worst[Self.family(parameter.name), default: 0],
                                                                 report.value)
        }
        print("\(variant) worst relative gradient error per family:",
              worst.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    }

    @Test(arguments: variants)
    func labelSmoothingMatchesAutograd(variant: String) throws {
        let golden = try GradientGolden.load(), expected = try GradientGolden.tensors(variant)
        let reference = try #require(golden.t5[variant])
        let model = try TinyModels.load(variant)
        let prompt = try expected.tensor("prompt")
        let result = try model.lossAndGradients(batch: GradientGolden.examples(reference.batch, prompt: prompt),
                                                options: TrainingOptions(dropout: 0,
                                                                         labelSmoothing: golden.labelSmoothing))
        #expect(abs(result.loss - reference.smoothedLoss) <= 1e-4 * abs(reference.smoothedLoss),
                "\(variant): smoothed loss \(result.loss) vs HF \(reference.smoothedLoss)")
        let promptGradient = Tensor(zeros: prompt.shape)
        for gradient in result.promptGradients { addInPlace(promptGradient.data, try #require(gradient).data, count: prompt.count) }
        let report = RelativeError("\(variant) smoothed prompt", got: promptGradient.array,
                                   expected: try expected.floats("smoothed.grad.prompt"), tolerance: Self.tolerance)
        #expect(report.passed, "\(report)")
    }

    @Test(arguments: variants)
    func promptTuningTraceMatchesTorchAdamW(variant: String) throws {
        let golden = try GradientGolden.load(), expected = try GradientGolden.tensors(variant)
        let reference = try #require(golden.t5[variant])
        let model = try TinyModels.load(variant)  // frozen: prompt tuning
        let prompt = Parameter(name: "prompt", value: try expected.tensor("prompt"))
        let settings = golden.promptTuning
        let optimizer = try AdamW(parameters: [prompt], learningRate: settings.lr, weightDecay: settings.weight_decay,
                                  beta1: settings.betas[0], beta2: settings.betas[1], epsilon: settings.eps)
        var trace: [Double] = []
        for _ in 0..<golden.steps {
            optimizer.zeroGrad()
            let result = try model.lossAndGradients(batch: GradientGolden.examples(reference.batch, prompt: prompt.value),
                                                    options: TrainingOptions(dropout: 0))
            for gradient in result.promptGradients {
                addInPlace(prompt.grad.data, try #require(gradient).data, count: prompt.count)
            }
            trace.append(result.loss)
            optimizer.step()
        }
        for (step, (got, want)) in zip(trace, reference.promptTuningTrace).enumerated() {
            #expect(abs(got - want) <= 1e-4, "\(variant) step \(step): loss \(got) vs torch \(want)")
        }
        print("\(variant) prompt-tuning trace max |diff|:",
              zip(trace, reference.promptTuningTrace).map { abs($0 - $1) }.max() ?? 0)
    }
}
