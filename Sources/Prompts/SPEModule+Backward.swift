// Training side of `SPEModule` (spec §7.2, stage 2): a recording forward of the instance prompts and the backward
// from their gradient to the trainable tensors P_task, W_down, W_up, γ and β (autograd of the PyTorch reference in
// Tests/Fixtures/make_prompt_fixtures.py). The album and the input embeddings stay frozen: x̂ is a max over the
// frozen embeddings, so no gradient flows to X. The training path computes the unfolded form (LayerNorm with γ, β,
// then k_j·h / T); serving keeps the folded keys of SPEModule.swift, which are derived from γ, β and T when the module
// is built, so a module trained in place is rebuilt from its tensors before it serves.
// Legend: B = rows of the group, d = dModel, r = bottleneck, M' = candidates (M, +1 in ATTEMPT mode), l = prompt rows.
import Foundation
import Kernels

extension SPEModule {
    /// Gradients of the trainable tensors, shaped like them; the backward adds into them.
    public final class Gradients: @unchecked Sendable {
        public let taskPrompt: Tensor  // (l, d)
        public let down: Tensor        // (r, d)
        public let up: Tensor          // (d, r)
        public let gamma: Tensor       // (d)
        public let beta: Tensor        // (d)

        /// Zero gradients for `module`'s tensors.
        public init(for module: SPEModule) {
            taskPrompt = Tensor(zeros: module.taskPrompt.shape)
            down = Tensor(zeros: module.down.shape)
            up = Tensor(zeros: module.up.shape)
            gamma = Tensor(zeros: module.gamma.shape)
            beta = Tensor(zeros: module.beta.shape)
        }

        /// Sets every gradient to 0.
        public func zero() {
            for tensor in [taskPrompt, down, up, gamma, beta] { tensor.data.update(repeating: 0, count: tensor.count) }
        }
    }

    /// What the backward of one group needs.
    public final class Tape: @unchecked Sendable {
        let pooled: Tensor         // (B, d) x̂
        let preActivation: Tensor  // (B, r) W_down · x̂
        let hidden: Tensor         // (B, r) SiLU(W_down · x̂)
        let projected: Tensor      // (B, d) u = W_up · hidden
        let mean: Tensor           // (B) of u
        let rstd: Tensor           // (B) of u
        let normed: Tensor         // (B, d) h = LayerNorm_{γ,β}(u)
        let weights: Tensor        // (B, M') a = softmax(K h / T)
        let keys: Tensor           // (M', d) the album keys, then (ATTEMPT) max-rows(P_task)
        let taskKeyRows: [Int]     // (d) ATTEMPT: the row of P_task holding each column's max (first one on ties)

        init(pooled: Tensor, preActivation: Tensor, hidden: Tensor, projected: Tensor, mean: Tensor, rstd: Tensor,
             normed: Tensor, weights: Tensor, keys: Tensor, taskKeyRows: [Int]) {
            self.pooled = pooled
            self.preActivation = preActivation
            self.hidden = hidden
            self.projected = projected
            self.mean = mean
            self.rstd = rstd
            self.normed = normed
            self.weights = weights
            self.keys = keys
            self.taskKeyRows = taskKeyRows
        }
    }

    /// The trainable tensors (live: an optimizer updates them in place) with their gradients, named as in
    /// `spe.safetensors`.
    public func trainableTensors(_ gradients: Gradients) -> [(name: String, value: Tensor, gradient: Tensor)] {
        [("task_prompt", taskPrompt, gradients.taskPrompt), ("down.weight", down, gradients.down),
         ("up.weight", up, gradients.up), ("layer_norm.weight", gamma, gradients.gamma),
         ("layer_norm.bias", beta, gradients.beta)]
    }

    /// Instance prompts of a group for training, recording the backward's inputs; unfolded form (spec §7.2):
    /// h = LayerNorm_{γ,β}(W_up · SiLU(W_down · x̂)), a = softmax(K h / T), P = P_task + Σ_j a_j C_j.
    /// - Parameter inputs: each row's input embeddings X_b (n_b, d), `</s>` included, no padding.
    /// - Returns: prompts[b] (l, d), the attention weights (B, M') and the tape for `backward`.
    public func trainingPrompts(_ inputs: [Tensor]) -> (prompts: [Tensor], weights: [[Float]], tape: Tape) {
        let (b, d, l) = (inputs.count, dModel, promptLength)
        let m = album.count + (includeTaskInAttention ? 1 : 0)
        // 1. x̂ (B, d): max over the real rows (plus E[pad] in ATTEMPT-parity pooling), as `instancePrompts`.
        let pooled = Tensor(uninitialized: [b, d])
        for (row, x) in inputs.enumerated() {
            precondition(x.rank == 2 && x.shape[1] == d && x.shape[0] > 0, "input embeddings must be (n>0, \(d)), got \(x.shape)")
            let out = pooled.data + row * d
            rowMax(x.data, rows: x.shape[0], dModel: d, into: out)
            if pooling == .maxWithPad, let limit = maxInputTokens, x.shape[0] < limit {
                for j in 0..<d where padEmbedding[j] > out[j] { out[j] = padEmbedding[j] }
            }
        }
        // 2. z = x̂ W_downᵀ (B, r), hidden = SiLU(z).
        let preActivation = matmulTransposed(pooled, down)
        let hidden = preActivation.clone()
        Activation.silu.apply(hidden.data, count: hidden.count)
        // 3. u = hidden W_upᵀ (B, d), h = LayerNorm_{γ,β}(u) (torch.nn.LayerNorm, biased variance).
        let projected = matmulTransposed(hidden, up)
        let mean = Tensor(uninitialized: [b]), rstd = Tensor(uninitialized: [b])
        let normed = Tensor(uninitialized: [b, d])
        layerNormForward(out: normed.data, mean: mean.data, rstd: rstd.data, inp: projected.data, weight: gamma.data,
                         bias: beta.data, rows: b, dim: d, eps: layerNormEpsilon)
        // 4. keys K (M', d): the album's, then (ATTEMPT) the column maxima of P_task and the rows holding them.
        let keys = Tensor(uninitialized: [m, d])
        keys.data.update(from: album.keys.data, count: album.count * d)
        var taskKeyRows: [Int] = []
        if includeTaskInAttention {
            let key = keys.data + album.count * d
            for j in 0..<d {
                var best = 0
                for i in 1..<l where taskPrompt.data[i * d + j] > taskPrompt.data[best * d + j] { best = i }
                key[j] = taskPrompt.data[best * d + j]
                taskKeyRows.append(best)
            }
        }
        // 5. s = K h / T (B, M'), a = softmax(s).
        let scores = matmulTransposed(normed, keys)
        var weightRows: [[Float]] = []
        for row in 0..<b {
            let s = scores.data + row * m
            var top = -Float.infinity
            for j in 0..<m { s[j] /= temperature; top = max(top, s[j]) }
            var sum: Float = 0
            for j in 0..<m { s[j] = exp(s[j] - top); sum += s[j] }
            for j in 0..<m { s[j] /= sum }
            weightRows.append(Array(UnsafeBufferPointer(start: s, count: m)))
        }
        // 6. P = P_task + Σ_j a_j C_j (C = album, then P_task in ATTEMPT mode).
        let size = l * d
        let prompts = (0..<b).map { row -> Tensor in
            let out = taskPrompt.clone()  // (l, d)
            for j in 0..<m {
                let a = scores.data[row * m + j]
                let source = j < album.count ? album.prompts.data + j * size : taskPrompt.data
                for i in 0..<size { out.data[i] += a * source[i] }
            }
            return out
        }
        let tape = Tape(pooled: pooled, preActivation: preActivation, hidden: hidden, projected: projected, mean: mean,
                        rstd: rstd, normed: normed, weights: scores, keys: keys, taskKeyRows: taskKeyRows)
        return (prompts, weightRows, tape)
    }

    /// Backward of `trainingPrompts` from dPrompts[b] (l, d): adds the gradients of P_task, W_down, W_up, γ and β
    /// into `gradients`.
    public func backward(dPrompts: [Tensor], tape: Tape, into gradients: Gradients) {
        let (b, d, r, l) = (dPrompts.count, dModel, bottleneck, promptLength)
        let m = tape.keys.shape[0], size = l * d
        precondition(b == tape.pooled.shape[0], "\(b) prompt gradients for a group of \(tape.pooled.shape[0])")
        // da_j = <dP, C_j>; dP_task += dP (the plain sum), and + a_{M+1}·dP as a candidate in ATTEMPT mode.
        let dScores = Tensor(zeros: [b, m])  // (B, M') dweights, then ds
        for row in 0..<b {
            let dP = dPrompts[row]
            precondition(dP.shape == [l, d], "prompt gradient must be (\(l), \(d)), got \(dP.shape)")
            for j in 0..<m {
                let source = j < album.count ? album.prompts.data + j * size : taskPrompt.data
                var dot = 0.0
                for i in 0..<size { dot += Double(dP.data[i]) * Double(source[i]) }
                dScores.data[row * m + j] = Float(dot)
            }
            let coefficient = 1 + (includeTaskInAttention ? tape.weights.data[row * m + album.count] : 0)
            for i in 0..<size { gradients.taskPrompt.data[i] += coefficient * dP.data[i] }
        }
        // ds = a ⊙ (da − Σ a·da), then the 1/T of the scores.
        for row in 0..<b {
            let a = tape.weights.data + row * m, da = dScores.data + row * m
            var dot: Float = 0
            for j in 0..<m { dot += a[j] * da[j] }
            for j in 0..<m { da[j] = a[j] * (da[j] - dot) / temperature }
        }
        // dh (B, d) = ds (B, M') · K (M', d); ATTEMPT: dk_task (d) = Σ_b ds_{b,M+1} h_b, into P_task's max rows.
        let dNormed = Tensor(zeros: [b, d])
        Matmul.gemm(m: b, n: d, k: m, a: dScores.data, lda: m, transposedA: false, b: tape.keys.data, ldb: d,
                    transposedB: false, c: dNormed.data, ldc: d, beta: 0)
        if includeTaskInAttention {
            for j in 0..<d {
                var dKey: Float = 0
                for row in 0..<b { dKey += dScores.data[row * m + album.count] * tape.normed.data[row * d + j] }
                gradients.taskPrompt.data[tape.taskKeyRows[j] * d + j] += dKey
            }
        }
        // LayerNorm: du (B, d), dγ, dβ.
        let dProjected = Tensor(zeros: [b, d])
        layerNormBackward(dInp: dProjected.data, dWeight: gradients.gamma.data, dBias: gradients.beta.data,
                          dOut: dNormed.data, inp: tape.projected.data, weight: gamma.data, mean: tape.mean.data,
                          rstd: tape.rstd.data, rows: b, dim: d)
        // u = hidden W_upᵀ: dW_up (d, r) += duᵀ · hidden; dhidden (B, r) = du · W_up.
        Matmul.gemm(m: d, n: r, k: b, a: dProjected.data, lda: d, transposedA: true, b: tape.hidden.data, ldb: r,
                    transposedB: false, c: gradients.up.data, ldc: r, beta: 1)
        let dHidden = Tensor(zeros: [b, r])
        Matmul.gemm(m: b, n: r, k: d, a: dProjected.data, lda: d, transposedA: false, b: up.data, ldb: r,
                    transposedB: false, c: dHidden.data, ldc: r, beta: 0)
        // hidden = SiLU(z): dz (B, r); z = x̂ W_downᵀ: dW_down (r, d) += dzᵀ · x̂ (x̂ is frozen: no dX).
        let dPre = Tensor(zeros: [b, r])
        Activation.silu.backward(dInp: dPre.data, dOut: dHidden.data, inp: tape.preActivation.data, count: b * r)
        Matmul.gemm(m: r, n: d, k: b, a: dPre.data, lda: r, transposedA: true, b: tape.pooled.data, ldb: d,
                    transposedB: false, c: gradients.down.data, ldc: d, beta: 1)
    }
}
