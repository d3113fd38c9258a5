// A bias-free linear map y = x·W, as every HF modeling_t5 nn.Linear is (q, k, v, o, wi, wo, lm_head). The layer
// owns its weight, stored transposed as (in, out) = (K, N) for `Matmul.linear`; several HF weights that share an
// input are fused side by side (q|k|v) and `names` says which column block is which. Storage is fp32, or after
// `convert(to:)` bf16 or int8 (Kernels/Quantized), behind the same `callAsFunction`.
import Kernels

/// A linear layer with no bias.
public final class Linear: @unchecked Sendable {
    /// How the weight is stored.
    enum Storage {
        case f32(Tensor)         // (K, N)
        case bf16(BF16Weight)    // (K, N) bf16
        case int8(Int8Weight)    // (K, N) s8 codes, (N) scales
    }

    /// HF names of the weights held, in column-block order (each block `outFeatures / names.count` wide).
    public let names: [String]
    private(set) var storage: Storage
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

    /// The weight (K, N) in fp32: the stored tensor itself, or (reduced precision) a widened/dequantized copy.
    var weight: Tensor {
        switch storage {
        case .f32(let tensor): tensor
        case .bf16(let weight): weight.widened()
        case .int8(let weight): weight.dequantized()
        }
    }

    /// The storage's precision.
    public var precision: Precision {
        switch storage {
        case .f32: .fp32
        case .bf16: .bf16
        case .int8: .int8
        }
    }

    /// Bytes the weight occupies.
    public var byteCount: Int {
        switch storage {
        case .f32(let tensor): 4 * tensor.count
        case .bf16(let weight): weight.byteCount
        case .int8(let weight): weight.byteCount
        }
    }

    /// Re-stores an fp32 weight in `precision` (at load, before any forward pass; a frozen layer only).
    func convert(to precision: Precision) {
        guard case .f32(let tensor) = storage, gradient == nil else { return }
        switch precision {
        case .fp32: break
        case .bf16: storage = .bf16(BF16Weight(rounding: tensor))
        case .int8: storage = .int8(Int8Weight(quantizing: tensor))
        }
    }

    /// out (rows, N) = alpha · x (rows, K) · W + beta · out. `beta == 1` fuses a residual add.
    func callAsFunction(_ x: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>,
                        alpha: Float = 1, beta: Float = 0) {
        switch storage {
        case .f32(let w): Matmul.linear(x, rows: rows, weight: w, into: out, alpha: alpha, beta: beta)
        case .bf16(let w): w.linear(x, rows: rows, into: out, alpha: alpha, beta: beta)
        case .int8(let w): w.linear(x, rows: rows, into: out, alpha: alpha, beta: beta)
        }
    }

    var parameterCount: Int { inFeatures * outFeatures }
}

extension WeightStore.Scope {
    /// The PyTorch Linear `suffix` (out, in), as a `Linear` layer in the store's projection precision.
    func linearLayer(_ suffix: String, outFeatures: Int, inFeatures: Int) throws(T5Error) -> Linear {
        let layer = Linear(names: [name(suffix)], weight: try linear(suffix, outFeatures: outFeatures, inFeatures: inFeatures))
        layer.convert(to: store.projectionPrecision)
        return layer
    }

    /// Several PyTorch Linears sharing an input, fused side by side into one `Linear` (q|k|v, wi_0|wi_1), in the
    /// store's projection precision.
    func fusedLinearLayer(_ suffixes: [String], outFeatures: Int, inFeatures: Int) throws(T5Error) -> Linear {
        let layer = Linear(names: suffixes.map(name),
                           weight: try fusedLinear(suffixes, outFeatures: outFeatures, inFeatures: inFeatures))
        layer.convert(to: store.projectionPrecision)
        return layer
    }
}
