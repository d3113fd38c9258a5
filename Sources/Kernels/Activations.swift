// Feed-forward activations of T5 (HF ACT2FN): ReLU, gelu_new (tanh approximation), exact GELU, SiLU, and the
// gated product act(x·wi_0) * (x·wi_1) of T5 v1.1. Loops in C (elementwise.c), naive twins in Reference/.
import CKernels

public enum Activation: String, Sendable, CaseIterable {
    case relu
    /// HF NewGELUActivation (tanh approximation); "gated-gelu" means this one.
    case geluNew = "gelu_new"
    /// HF GELUActivation (exact, erf).
    case gelu
    case silu

    var cValue: album_activation {
        switch self {
        case .relu: ALBUM_ACT_RELU
        case .geluNew: ALBUM_ACT_GELU_NEW
        case .gelu: ALBUM_ACT_GELU
        case .silu: ALBUM_ACT_SILU
        }
    }

    /// In place: x = act(x) over `count` values.
    public func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        album_activation_inplace(x, count, cValue)
    }

    /// out (rows, width) = act(inp[:, :width]) * inp[:, width:]; inp is (rows, 2·width) = [gate | linear].
    public func applyGated(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, rows: Int, width: Int) {
        album_gated_activation(out, inp, rows, width, cValue)
    }
}

/// out (count) += a (count): the residual add.
public func addInPlace(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, count: Int) {
    album_add(out, a, count)
}
