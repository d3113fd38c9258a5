// SPE cross-task attention at inference (spec §7.3), batched per task group:
//   x̂ = maxpool(X);  u = W_up · SiLU(W_down · x̂);  s = K'·norm(u) + b;  a = softmax(s);  P = c·P_task + Σ_j a_j A_j
// with the LayerNorm affine and 1/T folded into the keys at load: K' = K·diag(γ)/T, b = K·β/T (exact algebra).
// The bottleneck and key products are one sgemv per row and the album term one streaming product per group, so a
// row's prompt is the same bits alone or in any group (the training forward in +Backward keeps its own products).
// In ATTEMPT mode P_task is candidate M+1 with key max-rows(P_task), so c = 1 + a_{M+1}; otherwise c = 1.
// The unfused reference twin is SPEReference.swift.
import Foundation
import Kernels

/// A loaded SPE module: the task's own tensors plus a shared reference to its album.
public final class SPEModule: Sendable {
    /// (l, d) task prompt P_task.
    public let taskPrompt: Tensor
    /// (r, d) W_down (torch Linear(d, r).weight) and (d, r) W_up (Linear(r, d).weight).
    public let down: Tensor
    public let up: Tensor
    /// (d) LayerNorm γ and β.
    public let gamma: Tensor
    public let beta: Tensor
    public let temperature: Float
    public let layerNormEpsilon: Float
    public let pooling: SPEPooling
    public let includeTaskInAttention: Bool
    public let album: PromptAlbum
    /// (M', d) folded keys K·diag(γ)/T and (M') bias K·β/T; M' = M (+1 in ATTEMPT mode).
    let foldedKeys: Tensor
    let foldedBias: [Float]
    /// Pad embedding (d) and input limit, for `.maxWithPad` pooling.
    let padEmbedding: [Float]
    let maxInputTokens: Int?

    public var promptLength: Int { taskPrompt.shape[0] }
    public var dModel: Int { taskPrompt.shape[1] }
    public var bottleneck: Int { down.shape[0] }
    /// Number of attention candidates (M, or M+1 in ATTEMPT mode).
    public var candidateCount: Int { foldedKeys.shape[0] }

    /// A module over these tensors (shared, not copied: a trainer updates them in place). Shapes must agree:
    /// taskPrompt (l, d) like the album's entries, down (r, d), up (d, r), gamma and beta (d).
    public init(taskPrompt: Tensor, down: Tensor, up: Tensor, gamma: Tensor, beta: Tensor, temperature: Float,
         layerNormEpsilon: Float, pooling: SPEPooling, includeTaskInAttention: Bool, album: PromptAlbum,
         padEmbedding: [Float], maxInputTokens: Int?) {
        let (l, d, r) = (taskPrompt.shape[0], taskPrompt.shape[1], down.shape[0])
        precondition(album.promptLength == l && album.dModel == d, "album \(album.prompts.shape) does not fit prompt \(taskPrompt.shape)")
        precondition(down.shape == [r, d] && up.shape == [d, r] && gamma.shape == [d] && beta.shape == [d], "SPE shapes")
        precondition(pooling == .max || maxInputTokens != nil, "max-with-pad pooling needs maxInputTokens")
        self.taskPrompt = taskPrompt
        self.down = down
        self.up = up
        self.gamma = gamma
        self.beta = beta
        self.temperature = temperature
        self.layerNormEpsilon = layerNormEpsilon
        self.pooling = pooling
        self.includeTaskInAttention = includeTaskInAttention
        self.album = album
        self.padEmbedding = padEmbedding
        self.maxInputTokens = maxInputTokens
        let m = album.count + (includeTaskInAttention ? 1 : 0)
        let keys = Tensor(uninitialized: [m, d])  // (M', d) raw keys, then folded in place
        keys.data.update(from: album.keys.data, count: album.count * d)
        if includeTaskInAttention { rowMax(taskPrompt.data, rows: l, dModel: d, into: keys.data + album.count * d) }
        var bias = [Float](repeating: 0, count: m)
        for j in 0..<m {
            let k = keys.data + j * d
            var b = 0.0
            for i in 0..<d {
                b += Double(k[i]) * Double(beta.data[i])
                k[i] = k[i] * gamma.data[i] / temperature
            }
            bias[j] = Float(b / Double(temperature))
        }
        foldedKeys = keys
        foldedBias = bias
    }

    /// Instance prompts and attention weights for a group of rows of this task.
    /// - Parameter inputs: each row's input embeddings X_b (n_b, d), `</s>` included, no padding.
    /// - Returns: prompts[b] (l, d) and weights[b] (M'), where weights are over the album entries (then P_task last in
    ///   ATTEMPT mode).
    public func instancePrompts(_ inputs: [Tensor]) -> (prompts: [Tensor], weights: [[Float]]) {
        let (b, d, m) = (inputs.count, dModel, candidateCount)
        if b == 0 { return ([], []) }
        // 1. x̂ = max over the real rows (plus E[pad] in ATTEMPT-parity mode).          (B, d)
        let pooled = Tensor(uninitialized: [b, d])
        for (row, x) in inputs.enumerated() {
            precondition(x.rank == 2 && x.shape[1] == d && x.shape[0] > 0, "input embeddings must be (n>0, \(d)), got \(x.shape)")
            let out = pooled.data + row * d
            rowMax(x.data, rows: x.shape[0], dModel: d, into: out)
            if pooling == .maxWithPad, x.shape[0] < maxInputTokens! {
                for j in 0..<d where padEmbedding[j] > out[j] { out[j] = padEmbedding[j] }
            }
        }
        // 2. hidden = SiLU(x̂ W_downᵀ)                                                  (B, r)
        let r = bottleneck
        let hidden = Tensor(uninitialized: [b, r])
        for row in 0..<b {  // one sgemv per row: W_down (r, d) · x̂_b
            Matmul.gemv(rows: r, columns: d, a: down.data, lda: d, transposed: false, x: pooled.data + row * d,
                        y: hidden.data + row * r)
        }
        for i in 0..<hidden.count { let z = hidden.data[i]; hidden.data[i] = z / (1 + exp(-z)) }
        // 3. u = hidden W_upᵀ, normalised per row without affine (folded into the keys)     (B, d)
        let u = Tensor(uninitialized: [b, d])
        for row in 0..<b {  // W_up (d, r) · hidden_b
            Matmul.gemv(rows: d, columns: r, a: up.data, lda: r, transposed: false, x: hidden.data + row * r,
                        y: u.data + row * d)
        }
        for row in 0..<b { normalise(u.data + row * d, count: d) }
        // 4. s = norm(u) K'ᵀ + b; a = softmax(s)                                             (B, M')
        let scores = Tensor(uninitialized: [b, m])
        for row in 0..<b {  // K' (M', d) · norm(u_b)
            Matmul.gemv(rows: m, columns: d, a: foldedKeys.data, lda: d, transposed: false, x: u.data + row * d,
                        y: scores.data + row * m)
        }
        var weights: [[Float]] = []
        for row in 0..<b {
            let s = scores.data + row * m
            var maxScore = -Float.infinity
            for j in 0..<m { s[j] += foldedBias[j]; maxScore = max(maxScore, s[j]) }
            var sum: Float = 0
            for j in 0..<m { s[j] = exp(s[j] - maxScore); sum += s[j] }
            weights.append((0..<m).map { s[$0] / sum })
        }
        return (albumProduct(weights), weights)
    }

    /// Step 5 for a whole group: P_b = c_b · P_task + a_b[:M] · A_flat, where A_flat is the album (M, l·d) and
    /// c_b = 1 (+ a_b[M] in ATTEMPT mode). The album term is one streaming small-M product for all B rows (each
    /// album float read once per group; each output one FMA chain over the M candidates, so a row's bits do not
    /// depend on the group it is in nor on the thread split); the task term is folded into the pass that writes
    /// each row's own (l, d) tensor.
    func albumProduct(_ weights: [[Float]]) -> [Tensor] {
        let (b, count, size) = (weights.count, album.count, promptLength * dModel)
        let coefficients = Tensor(uninitialized: [b, count])  // (B, M) a[:, :M]
        for row in 0..<b { for j in 0..<count { coefficients.data[row * count + j] = weights[row][j] } }
        let mixed = Tensor(uninitialized: [b, size])  // (B, l·d) a[:, :M] · A_flat
        Matmul.smallM(m: b, n: size, k: count, x: coefficients.data, ldx: count, w: album.prompts.data, ldw: size,
                      out: mixed.data, ldo: size)
        let task = taskPrompt.data
        return (0..<b).map { row in
            let out = Tensor(uninitialized: [promptLength, dModel])  // (l, d)
            let c = 1 + (includeTaskInAttention ? weights[row][count] : 0), g = mixed.data + row * size
            for i in 0..<size { out.data[i] = c * task[i] + g[i] }
            return out
        }
    }

    /// x ← (x − mean) / sqrt(var + eps), biased variance as torch.nn.LayerNorm.
    private func normalise(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var mean = 0.0
        for i in 0..<count { mean += Double(x[i]) }
        mean /= Double(count)
        var variance = 0.0
        for i in 0..<count { let c = Double(x[i]) - mean; variance += c * c }
        variance /= Double(count)
        let scale = 1 / (variance + Double(layerNormEpsilon)).squareRoot()
        for i in 0..<count { x[i] = Float((Double(x[i]) - mean) * scale) }
    }
}

/// a (m, k) · bᵀ where b is (n, k): (m, n). Small matrices only (the SPE bottleneck); Double accumulation.
func matmulTransposed(_ a: Tensor, _ b: Tensor) -> Tensor {
    let (m, k, n) = (a.shape[0], a.shape[1], b.shape[0])
    precondition(b.shape[1] == k, "inner dimensions \(a.shape) · \(b.shape)ᵀ")
    let out = Tensor(uninitialized: [m, n])  // (m, n)
    for i in 0..<m {
        let x = a.data + i * k
        for j in 0..<n {
            let y = b.data + j * k
            var sum = 0.0
            for t in 0..<k { sum += Double(x[t]) * Double(y[t]) }
            out.data[i * n + j] = Float(sum)
        }
    }
    return out
}
