// Gradients of the IPT auto-encoder, by hand (llm.c style: gradients are added into the buffers given, nil for a
// frozen tensor). Proj_b: dW3 += g·hᵀ, db3 += g, da = (W3ᵀ·g) ⊙ (1 − h²), dW2 += da·zᵀ, db2 += da, dz = W2ᵀ·da.
// Proj: dW1 += dz·vec(P)ᵀ, db1 += dz. Held to finite differences and a Double twin in IPTAutoencoderTests.
import Kernels

/// Gradient buffers of the auto-encoder's tensors, same shapes; nil for a frozen tensor.
public struct IPTAutoencoderGradients {
    public var projWeight: Tensor?, projBias: Tensor?
    public var hiddenWeight: Tensor?, hiddenBias: Tensor?
    public var outWeight: Tensor?, outBias: Tensor?

    public init(projWeight: Tensor? = nil, projBias: Tensor? = nil, hiddenWeight: Tensor? = nil,
                hiddenBias: Tensor? = nil, outWeight: Tensor? = nil, outBias: Tensor? = nil) {
        self.projWeight = projWeight
        self.projBias = projBias
        self.hiddenWeight = hiddenWeight
        self.hiddenBias = hiddenBias
        self.outWeight = outWeight
        self.outBias = outBias
    }
}

extension IPTAutoencoder {
    /// Backward through Proj_b for one z: adds W2, b2, W3, b3 gradients into `gradients` and returns dL/dz (d_I).
    /// - Parameters:
    ///   - z: the code the forward ran on (d_I).
    ///   - hidden: the activations h the forward returned (H).
    ///   - promptGradient: dL/dP̂ (n·d).
    public func backwardReconstruct(z: UnsafePointer<Float>, hidden h: Tensor, promptGradient g: UnsafePointer<Float>,
                                    into gradients: IPTAutoencoderGradients) -> Tensor {
        let (nd, hw, di) = (flatCount, hidden, intrinsicDim)
        if let dB3 = gradients.outBias { for i in 0..<nd { dB3.data[i] += g[i] } }
        if let dW3 = gradients.outWeight {  // (n·d, H) += g (n·d, 1) · hᵀ (1, H)
            Matmul.gemm(m: nd, n: hw, k: 1, a: g, lda: 1, transposedA: false, b: h.data, ldb: hw, transposedB: false,
                        c: dW3.data, ldc: hw, beta: 1)
        }
        let da = Tensor(zeros: [hw])  // W3ᵀ·g, then ⊙ (1 − h²)
        Matmul.gemv(rows: nd, columns: hw, a: outWeight.data, lda: hw, transposed: true, x: g, y: da.data)
        for i in 0..<hw { da.data[i] *= 1 - h.data[i] * h.data[i] }
        if let dB2 = gradients.hiddenBias { for i in 0..<hw { dB2.data[i] += da.data[i] } }
        if let dW2 = gradients.hiddenWeight {  // (H, d_I) += da · zᵀ
            Matmul.gemm(m: hw, n: di, k: 1, a: da.data, lda: 1, transposedA: false, b: z, ldb: di, transposedB: false,
                        c: dW2.data, ldc: di, beta: 1)
        }
        let dz = Tensor(zeros: [di])
        Matmul.gemv(rows: hw, columns: di, a: hiddenWeight.data, lda: di, transposed: true, x: da.data, y: dz.data)
        return dz
    }

    /// Backward through Proj for one prompt P (n·d): adds W1 and b1 gradients for dL/dz.
    public func backwardProject(prompt: UnsafePointer<Float>, codeGradient dz: Tensor, into gradients: IPTAutoencoderGradients) {
        let (nd, di) = (flatCount, intrinsicDim)
        if let dB1 = gradients.projBias { for i in 0..<di { dB1.data[i] += dz.data[i] } }
        if let dW1 = gradients.projWeight {  // (d_I, n·d) += dz · vec(P)ᵀ
            Matmul.gemm(m: di, n: nd, k: 1, a: dz.data, lda: 1, transposedA: false, b: prompt, ldb: nd, transposedB: false,
                        c: dW1.data, ldc: nd, beta: 1)
        }
    }
}
