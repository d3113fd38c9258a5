// The IPT auto-encoder (Qin et al., spec §8, AE_type = 1): Proj, z = W1·vec(P) + b1, and Proj_b,
// P̂ = reshape_{n×d}(W3·tanh(W2·z + b2) + b3). Weights in torch nn.Linear layout (out, in). The served subspace
// and both IPT trainers use this one forward; `IPTAutoencoder+Backward.swift` has the gradients.
import Foundation
import Kernels

/// The six tensors of the auto-encoder, shared by reference (the trainer's optimizer updates them in place).
public final class IPTAutoencoder: Sendable {
    /// W1 (d_I, n·d) and b1 (d_I).
    public let projWeight: Tensor, projBias: Tensor
    /// W2 (H, d_I) and b2 (H).
    public let hiddenWeight: Tensor, hiddenBias: Tensor
    /// W3 (n·d, H) and b3 (n·d).
    public let outWeight: Tensor, outBias: Tensor
    /// n, the prompt rows P̂ has.
    public let promptLength: Int
    /// d, the width of each prompt row.
    public let dModel: Int

    public var intrinsicDim: Int { projBias.count }
    public var hidden: Int { hiddenBias.count }
    /// n·d, the length of vec(P).
    public var flatCount: Int { outBias.count }

    /// Tensor names in the artifact file, in the order the content hash covers them.
    public static let tensorNames = ["proj.weight", "proj.bias", "proj_b.hidden.weight", "proj_b.hidden.bias",
                                     "proj_b.out.weight", "proj_b.out.bias"]

    /// The tensors must be consistent (the loader checks every shape before it builds one).
    public init(projWeight: Tensor, projBias: Tensor, hiddenWeight: Tensor, hiddenBias: Tensor,
                outWeight: Tensor, outBias: Tensor, promptLength: Int, dModel: Int) {
        self.projWeight = projWeight
        self.projBias = projBias
        self.hiddenWeight = hiddenWeight
        self.hiddenBias = hiddenBias
        self.outWeight = outWeight
        self.outBias = outBias
        self.promptLength = promptLength
        self.dModel = dModel
    }

    /// The tensors by artifact name, in hash order.
    public var namedTensors: [(String, Tensor)] {
        zip(Self.tensorNames, [projWeight, projBias, hiddenWeight, hiddenBias, outWeight, outBias]).map { ($0, $1) }
    }

    /// "sha256:<hex>" of the float32-LE bytes of the six tensors, concatenated in `tensorNames` order.
    public var contentHash: String {
        var hasher = SHA256()
        for (_, tensor) in namedTensors { hasher.update(UnsafeRawBufferPointer(start: tensor.data, count: tensor.count * 4)) }
        return "sha256:" + hasher.finalizeHex()
    }

    /// Proj: z (d_I) = W1·vec(P) + b1 for a prompt P of n·d floats.
    public func project(_ prompt: UnsafePointer<Float>) -> Tensor {
        let z = projBias.clone()
        Matmul.gemv(rows: intrinsicDim, columns: flatCount, a: projWeight.data, lda: flatCount, transposed: false,
                    x: prompt, y: z.data, beta: 1)
        return z
    }

    /// Proj_b: P̂ (n, d) and the activations h = tanh(W2·z + b2) (H) its backward needs.
    public func reconstruct(_ z: UnsafePointer<Float>) -> (prompt: Tensor, hidden: Tensor) {
        let h = hiddenBias.clone()
        Matmul.gemv(rows: hidden, columns: intrinsicDim, a: hiddenWeight.data, lda: intrinsicDim, transposed: false,
                    x: z, y: h.data, beta: 1)
        for i in 0..<h.count { h.data[i] = tanhf(h.data[i]) }
        let prompt = outBias.clone().reshaped([promptLength, dModel])
        Matmul.gemv(rows: flatCount, columns: hidden, a: outWeight.data, lda: hidden, transposed: false,
                    x: h.data, y: prompt.data, beta: 1)
        return (prompt, h)
    }

    /// Proj_b(z) alone.
    public func prompt(for z: Tensor) -> Tensor { reconstruct(z.data).prompt }
}
