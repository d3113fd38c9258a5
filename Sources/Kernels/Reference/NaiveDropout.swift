// Naive twin of Dropout.swift: Philox4x32-10 written from Random123's philox.h (one block at a time, no
// vectorisation) and the inverted-dropout mask it defines, element by element.

extension Naive {
    /// Philox4x32-10 of `counter` (4 words) under `key` (2 words): Random123 philox4x32_R(10, ctr, key).
    public static func philox4x32(_ counter: [UInt32], key: [UInt32]) -> [UInt32] {
        var c = counter, k = key
        for round in 0..<10 {
            if round > 0 { k = [k[0] &+ 0x9E37_79B9, k[1] &+ 0xBB67_AE85] }  // philox4x32bumpkey
            let p0 = UInt64(0xD251_1F53) * UInt64(c[0]), p1 = UInt64(0xCD9E_8D57) * UInt64(c[2])
            c = [UInt32(p1 >> 32) ^ c[1] ^ k[0], UInt32(truncatingIfNeeded: p1),
                 UInt32(p0 >> 32) ^ c[3] ^ k[1], UInt32(truncatingIfNeeded: p0)]
        }
        return c
    }

    /// Whether element `index` of stream `key` survives dropout with probability p.
    public static func dropoutKeeps(_ index: UInt64, probability p: Double, key: DropoutKey) -> Bool {
        // Element e: group e / 64, lane (e mod 64) mod 16, word (e mod 64) / 16 of block 16 · group + lane.
        let group = index / 64, within = index % 64, block = group * 16 + within % 16
        let words = philox4x32([UInt32(truncatingIfNeeded: block), UInt32(block >> 32), key.layer, key.step],
                               key: [UInt32(truncatingIfNeeded: key.seed), UInt32(key.seed >> 32)])
        return Double(words[Int(within / 16)] >> 8) >= (p * 16_777_216).rounded()
    }

    /// out = x · mask / (1 − p) for elements offset..<offset+x.count of the stream.
    public static func dropout(_ x: [Float], probability p: Double, key: DropoutKey, offset: Int = 0) -> [Float] {
        let scale: Float = p >= 1 ? 0 : 1 / Float(1 - p)
        return x.enumerated().map { i, v in
            dropoutKeeps(UInt64(key.firstElement + offset + i), probability: p, key: key) ? v * scale : 0
        }
    }

    /// gradient · (dropped ≠ 0) / (1 − p), element by element.
    public static func dropoutGradient(_ gradient: [Float], like dropped: [Float], probability p: Double) -> [Float] {
        let scale: Float = 1 / Float(1 - p)
        return zip(gradient, dropped).map { g, d in d != 0 ? g * scale : 0 }
    }
}
