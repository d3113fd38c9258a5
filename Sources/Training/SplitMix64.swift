// SplitMix64 (Steele, Lea and Flood 2014; the seeding generator of java.util.SplittableRandom and xoshiro): a
// small seeded generator whose sequence is fixed by this file, so shuffles reproduce across Swift versions and
// platforms (the standard library's shuffle algorithm is not specified). Bounded draws use Lemire's method.

public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<bound (bound ≥ 1), without modulo bias (Lemire 2019, multiply-shift with rejection).
    public mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound >= 1, "SplitMix64.next(below:) needs a positive bound")
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return product.high
    }

    /// Fisher-Yates shuffle of `array` in place, from the last position down.
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = Int(next(below: UInt64(i + 1)))
            array.swapAt(i, j)
        }
    }
}
