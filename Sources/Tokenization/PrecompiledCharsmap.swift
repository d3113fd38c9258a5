// SentencePiece's precompiled charsmap (nmt_nfkc and friends): a darts-clone double-array trie over UTF-8 keys
// whose values point into a blob of NUL-terminated replacement strings.
// Mirrors sentencepiece `normalizer.cc` (the blob format) and HF tokenizers `normalizers/precompiled.rs` +
// `spm_precompiled` (the grapheme-wise application, including its shortest-prefix quirk).

/// The charsmap blob: `u32 trie_size (LE) | trie units (u32 LE) | replacement strings`.
struct PrecompiledCharsmap: Sendable {
    private let units: [UInt32]             // darts-clone double array
    private let replacements: [Unicode.Scalar]  // all replacement strings, decoded, back to back
    /// byte offset in the blob -> range in `replacements` (only offsets that start a string are filled).
    private let ranges: [Int: Range<Int>]
    /// Direct table for the BMP: scalar -> index into `bmpRanges`, or -1 when the scalar maps to itself.
    private let bmp: [Int32]
    private let bmpRanges: [Range<Int>]

    /// True when the blob is empty (identity normalization): `normalize` returns its input.
    let isEmpty: Bool

    init(bytes: [UInt8]) throws(TokenizationError) {
        if bytes.isEmpty {
            units = []; replacements = []; ranges = [:]; bmp = []; bmpRanges = []; isEmpty = true
            return
        }
        guard bytes.count >= 4 else { throw .malformedCharsmap(reason: "\(bytes.count) bytes, need at least 4") }
        let trieSize = Int(UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24)
        guard trieSize % 4 == 0, 4 + trieSize <= bytes.count else {
            throw .malformedCharsmap(reason: "trie size \(trieSize) does not fit in \(bytes.count) bytes")
        }
        var u = [UInt32](repeating: 0, count: trieSize / 4)
        for i in 0..<u.count {
            let o = 4 + 4 * i
            u[i] = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
        }
        units = u
        // Decode every NUL-terminated string of the blob once.
        let blob = Array(bytes[(4 + trieSize)...])
        var reps: [Unicode.Scalar] = []
        var map: [Int: Range<Int>] = [:]
        var start = 0
        while start < blob.count {
            var end = start
            while end < blob.count && blob[end] != 0 { end += 1 }
            guard let s = String(validating: blob[start..<end], as: UTF8.self) else {
                throw .malformedCharsmap(reason: "replacement at offset \(start) is not UTF-8")
            }
            let lo = reps.count
            reps.append(contentsOf: s.unicodeScalars)
            map[start] = lo..<reps.count
            start = end + 1
        }
        replacements = reps
        ranges = map
        isEmpty = false
        // BMP table: one trie walk per scalar, done once.
        var table = [Int32](repeating: -1, count: 0x10000)
        var tableRanges: [Range<Int>] = []
        var rangeIndex: [Int: Int32] = [:]
        var buf: [UInt8] = []
        for v in 0..<0x10000 {
            guard let scalar = Unicode.Scalar(UInt32(v)) else { continue }
            buf.removeAll(keepingCapacity: true)
            buf.append(contentsOf: utf8Bytes(scalar))
            guard let value = Self.shortestPrefix(units, buf), let r = map[value] else { continue }
            if let idx = rangeIndex[value] { table[v] = idx } else {
                let idx = Int32(tableRanges.count)
                tableRanges.append(r); rangeIndex[value] = idx; table[v] = idx
            }
        }
        bmp = table
        bmpRanges = tableRanges
    }

    // MARK: darts-clone

    /// Value of the shortest key that is a prefix of `key` (what `spm_precompiled::transform` takes: results[0]).
    private static func shortestPrefix(_ units: [UInt32], _ key: [UInt8]) -> Int? {
        guard !units.isEmpty else { return nil }
        @inline(__always) func offset(_ u: UInt32) -> Int { Int((u >> 10) << ((u & (1 << 9)) >> 6)) }
        @inline(__always) func label(_ u: UInt32) -> UInt32 { u & ((1 << 31) | 0xFF) }
        @inline(__always) func hasLeaf(_ u: UInt32) -> Bool { (u >> 8) & 1 == 1 }
        var pos = 0
        pos ^= offset(units[0])
        for c in key {
            if c == 0 { break }
            pos ^= Int(c)
            guard pos < units.count else { return nil }
            let unit = units[pos]
            if label(unit) != UInt32(c) { return nil }
            pos ^= offset(unit)
            if hasLeaf(unit) {
                guard pos < units.count else { return nil }
                return Int(units[pos] & ((1 << 31) - 1))
            }
        }
        return nil
    }

    /// Replacement for one scalar, or nil when it maps to itself.
    @inline(__always)
    private func replacement(of scalar: Unicode.Scalar) -> Range<Int>? {
        let v = Int(scalar.value)
        if v < 0x10000 {
            let idx = bmp[v]
            return idx < 0 ? nil : bmpRanges[Int(idx)]
        }
        guard let value = Self.shortestPrefix(units, Array(utf8Bytes(scalar))) else { return nil }
        return ranges[value]
    }

    // MARK: normalization

    /// Normalizes `input` the way HF's `Precompiled` normalizer does: grapheme by grapheme; a grapheme shorter than
    /// 6 UTF-8 bytes is looked up whole (and replaced whole by its shortest matching prefix's replacement), otherwise
    /// each scalar is looked up on its own.
    func normalize(_ input: [Unicode.Scalar], into out: inout [Unicode.Scalar]) {
        if isEmpty { out.append(contentsOf: input); return }
        // Below U+0300 every scalar is its own grapheme except CR LF, so the String grapheme machinery is skipped.
        var simple = true
        for s in input where s.value >= 0x300 { simple = false; break }
        if simple {
            var i = 0
            let n = input.count
            while i < n {
                let s = input[i]
                if s == "\r" && i + 1 < n && input[i + 1] == "\n" {
                    appendGrapheme(input[i...(i + 1)], into: &out)
                    i += 2
                    continue
                }
                appendScalar(s, into: &out)
                i += 1
            }
            return
        }
        // Otherwise split the input into regions whose inner boundaries might not be grapheme breaks; a region
        // of one scalar is one grapheme, longer regions go through Swift's grapheme segmentation (String).
        let n = input.count
        var i = 0
        while i < n {
            var j = i + 1
            while j < n && Self.mayJoin(input[j - 1], input[j]) { j += 1 }
            if j == i + 1 {
                appendScalar(input[i], into: &out)
            } else {
                var text = String()
                text.unicodeScalars.append(contentsOf: input[i..<j])
                for ch in text {
                    let scalars = ch.unicodeScalars
                    if scalars.count == 1 { appendScalar(scalars.first!, into: &out) } else {
                        appendGrapheme(Array(scalars)[...], into: &out)
                    }
                }
            }
            i = j
        }
    }

    /// Naive twin of `normalize`: every grapheme from Swift's segmentation of the whole input.
    func normalizeByCharacters(_ input: [Unicode.Scalar], into out: inout [Unicode.Scalar]) {
        if isEmpty { out.append(contentsOf: input); return }
        var text = String()
        text.unicodeScalars.append(contentsOf: input)
        for ch in text {
            let scalars = ch.unicodeScalars
            if scalars.count == 1 { appendScalar(scalars.first!, into: &out) } else { appendGrapheme(Array(scalars)[...], into: &out) }
        }
    }

    /// Conservative test: false only when a grapheme break between `a` and `b` is certain (UAX #29: neither side
    /// can extend, join, prepend, pair as regional indicators or form a Hangul syllable).
    @inline(__always)
    static func mayJoin(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> Bool {
        if a == "\r" { return b == "\n" }
        return mayExtend(b) || mayExtend(a) || mayPrepend(a)
    }

    /// True for scalars that can continue a grapheme or glue its neighbours (marks, ZWJ/format, Hangul jamo,
    /// regional indicators, emoji modifiers, tags).
    @inline(__always)
    static func mayExtend(_ x: Unicode.Scalar) -> Bool {
        let v = x.value
        if v < 0x300 { return false }
        if (0x4E00...0x9FFF).contains(v) || (0xAC00...0xD7A3).contains(v) || (0x3400...0x4DBF).contains(v)
            || (0x3041...0x3096).contains(v) || (0x30A1...0x30FA).contains(v) { return false }
        if (0x1100...0x11FF).contains(v) || (0xA960...0xA97F).contains(v) || (0xD7B0...0xD7FF).contains(v)
            || (0x1F1E6...0x1F1FF).contains(v) || (0x1F3FB...0x1F3FF).contains(v) || (0xE0000...0xE0FFF).contains(v)
            || v == 0x0E33 || v == 0x0EB3 { return true }
        let p = x.properties
        if p.isGraphemeExtend || p.isEmojiModifier { return true }
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .format: return true
        default: return false
        }
    }

    /// Grapheme_Cluster_Break=Prepend candidates (a superset).
    @inline(__always)
    static func mayPrepend(_ x: Unicode.Scalar) -> Bool {
        let v = x.value
        if v < 0x600 { return false }
        return (0x600...0x605).contains(v) || v == 0x6DD || v == 0x70F || (0x890...0x891).contains(v) || v == 0x8E2
            || v == 0xD4E || (0x11000...0x11FFF).contains(v)
    }

    @inline(__always)
    private func appendScalar(_ s: Unicode.Scalar, into out: inout [Unicode.Scalar]) {
        if let r = replacement(of: s) { out.append(contentsOf: replacements[r]) } else { out.append(s) }
    }

    private func appendGrapheme(_ scalars: ArraySlice<Unicode.Scalar>, into out: inout [Unicode.Scalar]) {
        var bytes: [UInt8] = []
        for s in scalars { bytes.append(contentsOf: utf8Bytes(s)) }
        if bytes.count < 6, let value = Self.shortestPrefix(units, bytes), let r = ranges[value] {
            out.append(contentsOf: replacements[r])
            return
        }
        for s in scalars { appendScalar(s, into: &out) }
    }
}

/// The UTF-8 bytes of one scalar.
func utf8Bytes(_ scalar: Unicode.Scalar) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(4)
    UTF8.encode(scalar) { out.append($0) }
    return out
}
