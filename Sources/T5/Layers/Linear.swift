// A bias-free linear map y = x·W, as every HF modeling_t5 nn.Linear is (q, k, v, o, wi, wo, lm_head). The layer
// owns its weight, stored transposed as (in, out) = (K, N) for `Matmul.linear`; several HF weights that share an
// input are fused side by side (q|k|v) and `names` says which column block is which. Storage is F32 today; a
// reduced-precision storage plugs in behind `callAsFunction` without touching callers.
import Kernels

/// A linear layer with no bias.
public final class Linear: @unchecked Sendable {
    /// How the weight is stored.
    enum Storage {
        case f32(Tensor)  // (K, N)
    }

    /// HF names of the weights held, in column-block order (each block `outFeatures / names.count` wide).
    public let names: [String]
    let storage: Storage
    public let inFeatures: Int
    public let outFeatures: Int
    /// ∂loss/∂W (K, N), allocated by `makeTrainable()`; nil while the weight is frozen (then no backward pass
    /// computes a weight gradient for it). See Linear+Backward.swift.
    public internal(set) var gradient: Tensor?

    init(names: [String], weight: Tensor) {
        precondition(weight.rank == 2 && !names.isEmpty && weight.shape[1] % names.count == 0,
                     "linear weight must be (K, N) with N a multiple of \(names.count), got \(weight.shape)")
        self.names = names
        storage = .f32(weight)
        inFeatures = weight.shape[0]
        outFeatures = weight.shape[1]
    }

    /// The F32 weight, (K, N).
    var weight: Tensor {
        switch storage {
        case .f32(let tensor): tensor
        }
    }

    /// out (rows, N) = alpha · x (rows, K) · W + beta · out. `beta == 1` fuses a residual add.
    func callAsFunction(_ x: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>,
                        alpha: Float = 1, beta: Float = 0) {
        switch storage {
        case .f32(let w): Matmul.linear(x, rows: rows, weight: w, into: out, alpha: alpha, beta: beta)
        }
    }

    var parameterCount: Int { inFeatures * outFeatures }
}

extension WeightStore.Scope {
    /// The PyTorch Linear `suffix` (out, in), as a `Linear` layer.
    func linearLayer(_ suffix: String, outFeatures: Int, inFeatures: Int) throws(T5Error) -> Linear {
        Linear(names: [name(suffix)], weight: try linear(suffix, outFeatures: outFeatures, inFeatures: inFeatures))
    }

    /// Several PyTorch Linears sharing an input, fused side by side into one `Linear` (q|k|v, wi_0|wi_1).
    func fusedLinearLayer(_ suffixes: [String], outFeatures: Int, inFeatures: Int) throws(T5Error) -> Linear {
        Linear(names: suffixes.map(name),
               weight: try fusedLinear(suffixes, outFeatures: outFeatures, inFeatures: inFeatures))
    }
}
