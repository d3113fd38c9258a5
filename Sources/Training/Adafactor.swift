// Adafactor, mirroring transformers.optimization.Adafactor (the fairseq port) step by step: factored second moments
// (row and column means of g² + eps1) for parameters of rank ≥ 2, a full second moment otherwise, decay
// β2(t) = 1 − t^decayRate, RMS update clipping, optional β1, optional parameter scaling and relative step size,
// weight decay p += −wd·lr·p before the update. The T5X prompt-tuning settings (spe-method §3) are
// `Adafactor.t5xPromptTuning`: decay_rate −0.8 (T5X's 0.8), no parameter scaling, clip 1.0, external lr.
// Deviations: reductions (means, the RMS norms) accumulate in Double where torch reduces in float, so results
// differ from torch by float rounding only; rank > 2 parameters factor over their last two axes, as HF does.
import Foundation
import Kernels

public final class Adafactor: Optimizer {
    public struct Settings: Sendable {
        /// (eps1, eps2): regulariser of the squared gradient, floor of the parameter RMS (HF eps).
        public var epsilon: (Double, Double) = (1e-30, 1e-3)
        /// RMS of the update above which it is scaled down (HF clip_threshold).
        public var clipThreshold: Double = 1.0
        /// β2(t) = 1 − t^decayRate (HF decay_rate; T5X's decay_rate 0.8 is −0.8 here).
        public var decayRate: Double = -0.8
        /// First-moment coefficient; nil keeps no first moment (HF beta1=None).
        public var beta1: Double? = nil
        /// lr ← lr · max(eps2, RMS(param)) (HF scale_parameter).
        public var scaleParameter: Bool = false
        /// lr ← min(1e-2 or 1e-6·t with warmupInit, 1/sqrt(t)) instead of the external rate (HF relative_step).
        public var relativeStep: Bool = false
        /// See `relativeStep` (HF warmup_init).
        public var warmupInit: Bool = false

        public init() {}
    }

    /// The T5X prompt-tuning configuration (decay 0.8, no parameter scaling, update clipping 1.0, external lr).
    public static let t5xPromptTuning = Settings()

    public let groups: [ParameterGroup]
    public let settings: Settings
    public internal(set) var stepCount = 0
    /// Per parameter: (row, column) second-moment factors, or the full second moment; and the first moment.
    let rowMoments: [Tensor?], columnMoments: [Tensor?], fullMoments: [Tensor?], firstMoments: [Tensor?]

    /// With `settings.relativeStep` the groups' learning rates are ignored (HF requires lr=None there).
    /// - Throws: `TrainingError.invalidHyperparameter` for `warmupInit` without `relativeStep`, or lr, weight
    ///   decay or clip threshold out of range.
    public init(groups: [ParameterGroup], settings: Settings = Adafactor.t5xPromptTuning) throws(TrainingError) {
        for group in groups { try group.validate() }
        if settings.warmupInit && !settings.relativeStep {
            throw .invalidHyperparameter(name: "warmupInit", value: "true", reason: "requires relativeStep")
        }
        guard settings.clipThreshold > 0 else {
            throw .invalidHyperparameter(name: "clipThreshold", value: "\(settings.clipThreshold)", reason: "must be > 0")
        }
        self.groups = groups
        self.settings = settings
        let all = groups.flatMap(\.parameters)
        let factored = all.map { $0.shape.count >= 2 }
        rowMoments = zip(all, factored).map { p, f in f ? Tensor(zeros: Array(p.shape.dropLast())) : nil }
        columnMoments = zip(all, factored).map { p, f in
            f ? Tensor(zeros: Array(p.shape.dropLast(2)) + [p.shape[p.shape.count - 1]]) : nil
        }
        fullMoments = zip(all, factored).map { p, f in f ? nil : Tensor(zeros: p.shape) }
        firstMoments = all.map { settings.beta1 == nil ? nil : Tensor(zeros: $0.shape) }
    }

    /// One group at external rate `learningRate` with HF weight decay `weightDecay`.
    public convenience init(parameters: [Parameter], learningRate: Double, weightDecay: Double = 0,
                            settings: Settings = Adafactor.t5xPromptTuning) throws(TrainingError) {
        try self.init(groups: [ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)],
                      settings: settings)
    }

    public func step(learningRateFactor: Double) {
        stepCount += 1
        let t = Double(stepCount)
        let beta2t = 1 - pow(t, settings.decayRate)  // beta2t = 1.0 - math.pow(state["step"], group["decay_rate"])
        var index = 0
        for group in groups {
            for parameter in group.parameters {
                let lr = learningRate(group.learningRate * learningRateFactor, parameter: parameter, step: t)
                let update = Tensor(uninitialized: parameter.shape)
                // The raw pointers below outlive their last use of `update` in the source: keep it alive.
                withExtendedLifetime(update) {
                    apply(update: update.data, to: parameter, index: index, lr: lr, beta2t: beta2t,
                          weightDecay: group.weightDecay)
                }
                index += 1
            }
        }
    }

    /// The rest of HF's step for one parameter, `update` being scratch of the parameter's size.
    private func apply(update u: UnsafeMutablePointer<Float>, to parameter: Parameter, index: Int, lr: Double,
                       beta2t: Double, weightDecay: Double) {
        let count = parameter.count
        secondMomentUpdate(parameter: parameter, index: index, beta2t: beta2t, into: u)
        // update.div_((self._rms(update) / group["clip_threshold"]).clamp_(min=1.0)); update.mul_(lr)
        let divisor = max(Float(Self.rms(u, count: count)) / Float(settings.clipThreshold), 1)
        let lrf = Float(lr)
        for i in 0..<count { u[i] = u[i] / divisor * lrf }
        var applied = u
        if let beta1 = settings.beta1, let m = firstMoments[index]?.data {
            // exp_avg.mul_(beta1).add_(update, alpha=(1 - beta1)); update = exp_avg
            let b1 = Float(beta1), keep = Float(1 - beta1)
            for i in 0..<count { m[i] = m[i] * b1 + keep * u[i] }
            applied = m
        }
        let p = parameter.value.data
        if weightDecay != 0 {
            // p_data_fp32.add_(p_data_fp32, alpha=(-group["weight_decay"] * lr))
            let alpha = Float(-weightDecay * lr)
            for i in 0..<count { p[i] = p[i] + alpha * p[i] }
        }
        for i in 0..<count { p[i] = p[i] - applied[i] }  // p_data_fp32.add_(-update)
    }

    /// HF `_get_lr`: the external rate, or the relative step, times the parameter scale when enabled.
    private func learningRate(_ external: Double, parameter: Parameter, step t: Double) -> Double {
        var size = external
        if settings.relativeStep {
            let minStep = settings.warmupInit ? 1e-6 * t : 1e-2
            size = min(minStep, 1 / t.squareRoot())
        }
        if settings.scaleParameter {
            // state["RMS"] = self._rms(p_data_fp32), taken before this step's update
            size *= max(settings.epsilon.1, Double(Float(Self.rms(parameter.value.data, count: parameter.count))))
        }
        return size
    }

    /// Updates the second moment of parameter `index` and writes the preconditioned gradient to `update`.
    private func secondMomentUpdate(parameter: Parameter, index: Int, beta2t: Double,
                                    into update: UnsafeMutablePointer<Float>) {
        let g = parameter.grad.data, eps1 = Float(settings.epsilon.0)
        let decay = Float(beta2t), keep = Float(1 - beta2t)
        if let rowTensor = rowMoments[index], let columnTensor = columnMoments[index] {
            // (B, R, C): leading axes are a batch of independent (R, C) matrices.
            let shape = parameter.shape, columns = shape[shape.count - 1], rows = shape[shape.count - 2]
            let batches = parameter.count / max(rows * columns, 1)
            let row = rowTensor.data, column = columnTensor.data  // (B, R), (B, C)
            for b in 0..<batches {
                let gb = g + b * rows * columns, rb = row + b * rows, cb = column + b * columns
                // exp_avg_sq_row.mul_(beta2t).add_(update.mean(dim=-1), alpha=(1.0 - beta2t)), update = grad**2 + eps1
                for r in 0..<rows {
                    var sum = 0.0
                    for c in 0..<columns { sum += Double(gb[r * columns + c] * gb[r * columns + c] + eps1) }
                    rb[r] = rb[r] * decay + keep * Float(sum / Double(columns))
                }
                for c in 0..<columns {
                    var sum = 0.0
                    for r in 0..<rows { sum += Double(gb[r * columns + c] * gb[r * columns + c] + eps1) }
                    cb[c] = cb[c] * decay + keep * Float(sum / Double(rows))
                }
                // _approx_sq_grad: r_factor = (row / row.mean(-1)).rsqrt(), c_factor = col.rsqrt(); update = r·c·grad
                var rowSum = 0.0
                for r in 0..<rows { rowSum += Double(rb[r]) }
                let rowMean = Float(rowSum / Double(rows))
                for r in 0..<rows {
                    let rFactor = 1 / (rb[r] / rowMean).squareRoot()
                    for c in 0..<columns {
                        let cFactor = 1 / cb[c].squareRoot()
                        update[b * rows * columns + r * columns + c] = rFactor * cFactor * gb[r * columns + c]
                    }
                }
            }
        } else if let full = fullMoments[index]?.data {
            // exp_avg_sq.mul_(beta2t).add_(update, alpha=(1.0 - beta2t)); update = exp_avg_sq.rsqrt().mul_(grad)
            for i in 0..<parameter.count {
                full[i] = full[i] * decay + keep * (g[i] * g[i] + eps1)
                update[i] = 1 / full[i].squareRoot() * g[i]
            }
        }
    }

    /// HF `_rms`: ‖x‖₂ / sqrt(count), accumulated in Double.
    static func rms(_ x: UnsafePointer<Float>, count: Int) -> Double {
        var sum = 0.0
        for i in 0..<count { sum += Double(x[i]) * Double(x[i]) }
        return sum.squareRoot() / Double(count).squareRoot()
    }
}
