// Inverted dropout as torch.nn.functional.dropout (kept values scaled by 1/(1−p), computed as torch does), with a
// counter-based RNG: the keep mask of element e is a pure function of (seed, step, layer, e) through Philox4x32-10
// (Salmon et al. 2011, the generator of torch's CUDA dropout and of JAX), so runs reproduce for a given seed whatever
// the thread split, and the backward regenerates the mask instead of storing it. Loop in C (training.c); naive twin
// Naive.dropout. The masks are not torch's (its CPU generator is a Mersenne Twister); only the semantics match.
import CKernels

/// Identity of one dropout application: which run, which step, which dropout site.
public struct DropoutKey: Sendable, Hashable {
    /// The run's seed (the Philox key).
    public var seed: UInt64
    /// The optimizer step (any counter that changes between passes that must draw new masks).
    public var step: UInt32
    /// The dropout site within a step: a distinct number per layer and sub-layer.
    public var layer: UInt32
    /// The element of the stream where this application's elements start: 0 for a whole batch; a shard of a batch
    /// starts past the elements of the examples before it, so that it draws the same masks as the whole batch.
    public var firstElement: Int

    public init(seed: UInt64, step: UInt32, layer: UInt32, firstElement: Int = 0) {
        self.seed = seed
        self.step = step
        self.layer = layer
        self.firstElement = firstElement
    }

    var cValue: album_dropout_key { album_dropout_key(seed: seed, step: step, layer: layer) }

    /// 24-bit threshold: an element is kept when the top 24 bits of its Philox word are ≥ round(p · 2²⁴).
    static func threshold(_ probability: Double) -> UInt32 {
        UInt32((probability * 16_777_216).rounded())
    }

    /// The kept-value multiplier. torch (`_dropout_impl`): `noise.bernoulli_(1 - p); noise.div_(1 - p)` on a
    /// float tensor, i.e. 1.0f / float(1 − p) with p and 1 − p in double (a Python float); p = 1 keeps nothing.
    static func scale(_ probability: Double) -> Float {
        probability >= 1 ? 0 : 1 / Float(1 - probability)
    }
}

/// out (count) = inp · mask · 1/(1−p), the mask drawn for elements offset..<offset+count of the stream `key` (counted
/// from the key's `firstElement`);
/// p is a Double like torch's Python float, so that 1/(1−p) rounds as torch's does.
/// `out` may alias `inp`. p = 0 copies; p = 1 zeroes. Split work by giving each part its `offset`.
public func dropoutForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int,
                           probability p: Double, key: DropoutKey, offset: Int = 0) {
    precondition(p >= 0 && p <= 1 && count >= 0 && offset >= 0 && key.firstElement >= 0,
                 "dropoutForward: p \(p), count \(count)")
    if p == 0 {
        if UnsafePointer(out) != inp { out.update(from: inp, count: count) }
        return
    }
    album_dropout(out, inp, count, DropoutKey.threshold(p), DropoutKey.scale(p), key.cValue,
                  UInt64(key.firstElement) + UInt64(offset), 0)
}

/// out (count) += dropout(inp) with the mask of `dropoutForward`: a residual add fused with its dropout (one pass).
public func dropoutAdd(into out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, count: Int,
                       probability p: Double, key: DropoutKey, offset: Int = 0) {
    precondition(p >= 0 && p <= 1 && count >= 0 && offset >= 0 && key.firstElement >= 0,
                 "dropoutAdd: p \(p), count \(count)")
    if p == 0 {
        album_add(out, inp, count)
        return
    }
    album_dropout(out, inp, count, DropoutKey.threshold(p), DropoutKey.scale(p), key.cValue,
                  UInt64(key.firstElement) + UInt64(offset), 1)
}

/// Backward of `dropoutForward` with the same (p, key, offset): dInp (count) += dOut (count) · mask · 1/(1−p).
public func dropoutBackward(dInp: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, count: Int,
                            probability p: Double, key: DropoutKey, offset: Int = 0) {
    dropoutAdd(into: dInp, dOut, count: count, probability: p, key: key, offset: offset)
}

/// gradient (count) = dropped != 0 ? gradient / (1 − p) : 0: the backward of a dropout from its output `dropped`
/// instead of its key. This is the true backward wherever the dropout's input was non-zero; where it was 0 the true
/// gradient may be non-zero but is multiplied by that 0 next (softmax′ multiplies dP by P), so no mask is drawn.
public func dropoutGradient(_ gradient: UnsafeMutablePointer<Float>, like dropped: UnsafePointer<Float>, count: Int,
                            probability p: Double) {
    precondition(p >= 0 && p < 1 && count >= 0, "dropoutGradient(like:): p \(p), count \(count)")
    guard p > 0 else { return }
    album_mask_like(gradient, dropped, count, DropoutKey.scale(p))
}
