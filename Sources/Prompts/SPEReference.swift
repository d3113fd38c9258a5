// Naive, unfused twin of SPEModule, written straight from spec §7.2 for one instance: explicit candidate list,
// explicit LayerNorm with γ/β, explicit division by T, explicit weighted sum. Tests compare SPEModule against it.
import Foundation
import Kernels

public enum SPEReference {
    /// Instance prompt (l, d) and attention weights (M') of `module` for one input X (n, d).
    public static func instancePrompt(_ module: SPEModule, input x: Tensor) -> (prompt: Tensor, weights: [Float]) {
        let (n, d, l) = (x.shape[0], module.dModel, module.promptLength)
        // Candidates C: the album prompts, then P_task in ATTEMPT mode.
        var candidates: [[Float]] = (0..<module.album.count).map { j in
            Array(UnsafeBufferPointer(start: module.album.prompts.data + j * l * d, count: l * d))
        }
        if module.includeTaskInAttention { candidates.append(module.taskPrompt.array) }
        // x̂ = max over the n rows (and the pad row in ATTEMPT-parity mode).
        var pooled = [Float](repeating: -.infinity, count: d)
        for i in 0..<n { for j in 0..<d { pooled[j] = max(pooled[j], x.data[i * d + j]) } }
        if module.pooling == .maxWithPad && n < module.maxInputTokens! {
            for j in 0..<d { pooled[j] = max(pooled[j], module.padEmbedding[j]) }
        }
        // u = W_up · SiLU(W_down · x̂)
        let r = module.bottleneck
        var hidden = [Float](repeating: 0, count: r)
        for i in 0..<r {
            var z: Float = 0
            for j in 0..<d { z += module.down.data[i * d + j] * pooled[j] }
            hidden[i] = z / (1 + exp(-z))
        }
        var u = [Float](repeating: 0, count: d)
        for i in 0..<d { for k in 0..<r { u[i] += module.up.data[i * r + k] * hidden[k] } }
        // h = LayerNorm(u) with γ, β
        let mean = u.reduce(0, +) / Float(d)
        let variance = u.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(d)
        let h = (0..<d).map { i in (u[i] - mean) / (variance + module.layerNormEpsilon).squareRoot() * module.gamma.data[i] + module.beta.data[i] }
        // s_j = max-rows(C_j) · h / T; a = softmax(s)
        let scores = candidates.map { c -> Float in
            var score: Float = 0
            for j in 0..<d {
                var key = -Float.infinity
                for i in 0..<l { key = max(key, c[i * d + j]) }
                score += key * h[j]
            }
            return score / module.temperature
        }
        let top = scores.max()!
        let exps = scores.map { exp($0 - top) }
        let weights = exps.map { $0 / exps.reduce(0, +) }
        // P = P_task + Σ_j a_j C_j
        let prompt = module.taskPrompt.clone()
        for (a, c) in zip(weights, candidates) { for i in 0..<l * d { prompt.data[i] += a * c[i] } }
        return (prompt, weights)
    }
}
