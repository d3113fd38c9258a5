// Adafactor against transformers.optimization.Adafactor over 10 steps on fixed gradients, for a 2-D, a 1-D
// (unfactored) and a 3-D (batched factors) parameter: the T5X prompt-tuning settings (lr 0.3, decay 0.8, clip 1,
// no parameter scaling, weight decay 1e-5); relative step with warmup init, parameter scaling and β1; parameter
// scaling without clipping. Tolerance per step: 1e-5 relative (+1e-6 absolute), looser than AdamW's 1e-6: Album
// reduces the row/column means and the RMS norms in Double where torch reduces in float, the relative step and the
// parameter scale mix float and double scalars differently, and every step divides by reductions of its own
// update, so the per-step difference is several float ulps rather than one or two (observed with torch 2.15: at
// most 2.4e-7 absolute on parameters of order 1).
import Testing
import TestSupport
import Training

@Suite struct AdafactorTests {
    @Test(arguments: ["adafactor_t5x", "adafactor_relative_beta1", "adafactor_scaled_unclipped"])
    func matchesTransformersTrajectory(caseName: String) throws {
        let fixture = try OptimizerFixture.load()
        let spec = try #require(fixture.cases[caseName]?["settings"] as? [String: Any])
        var settings = Adafactor.Settings()
        let eps = try #require(spec["eps"] as? [Double])
        settings.epsilon = (eps[0], eps[1])
        settings.clipThreshold = try #require(spec["clip_threshold"] as? Double)
        settings.decayRate = try #require(spec["decay_rate"] as? Double)
        settings.beta1 = spec["beta1"] as? Double
        settings.scaleParameter = try #require(spec["scale_parameter"] as? Bool)
        settings.relativeStep = try #require(spec["relative_step"] as? Bool)
        settings.warmupInit = try #require(spec["warmup_init"] as? Bool)
        let (groups, parameters) = try fixture.groups(of: caseName)
        let optimizer = try Adafactor(groups: groups, settings: settings)
        let reports = try fixture.replay(caseName, optimizer: optimizer, parameters: parameters, maxAbs: 1e-6, rel: 1e-5)
        for report in reports { #expect(report.passed, "\(report)") }
    }

    @Test func t5xSettingsAreTheSpecs() {
        let s = Adafactor.t5xPromptTuning
        #expect(s.decayRate == -0.8 && s.clipThreshold == 1 && !s.scaleParameter && !s.relativeStep && s.beta1 == nil)
        #expect(s.epsilon == (1e-30, 1e-3))
    }

    @Test func rejectsWarmupInitWithoutRelativeStep() {
        var settings = Adafactor.Settings()
        settings.warmupInit = true
        #expect(throws: TrainingError.self) {
            try Adafactor(parameters: [Parameter(name: "p", value: .init(zeros: [2, 2]))], learningRate: 0.1, settings: settings)
        }
    }
}
