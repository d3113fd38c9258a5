// Gradient clipping by global L2 norm, mirroring torch.nn.utils.clip_grad_norm_(parameters, max_norm, norm_type=2):
// total = ‖(‖g₁‖, ‖g₂‖, …)‖, coef = max_norm / (total + 1e-6) clamped to ≤ 1 (float32 arithmetic, as torch does on
// its float tensors), every gradient scaled by coef. Squares accumulate in Double (torch reduces in float).

/// Scales the gradients of `parameters` so that their global L2 norm is at most `maxNorm`.
/// - Parameters:
///   - errorIfNonfinite: throw instead of scaling when the norm is NaN or infinite (torch's error_if_nonfinite).
/// - Returns: the total norm before clipping (torch returns it as a float32 tensor).
/// - Throws: `TrainingError.nonFiniteGradientNorm` (only with `errorIfNonfinite`), `.invalidHyperparameter` for a
///   negative `maxNorm`.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Double, errorIfNonfinite: Bool = false)
    throws(TrainingError) -> Float {
    guard maxNorm >= 0 else {
        throw .invalidHyperparameter(name: "max norm", value: "\(maxNorm)", reason: "must be ≥ 0")
    }
    var squares = 0.0
    for parameter in parameters {
        let g = parameter.grad.data
        for i in 0..<parameter.count { squares += Double(g[i]) * Double(g[i]) }
    }
    let total = Float(squares.squareRoot())
    if errorIfNonfinite && !total.isFinite { throw .nonFiniteGradientNorm(total) }
    // clip_coef = max_norm / (total_norm + 1e-6), a float scalar over a float tensor, which torch evaluates as
    // (total_norm + 1e-6).reciprocal() * max_norm; clip_coef_clamped = torch.clamp(clip_coef, max=1.0)
    let coefficient = min(1 / (total + Float(1e-6)) * Float(maxNorm), 1)
    if coefficient != 1 {  // torch multiplies by 1.0 too: the same values
        for parameter in parameters {
            let g = parameter.grad.data
            for i in 0..<parameter.count { g[i] = g[i] * coefficient }
        }
    }
    return total
}
