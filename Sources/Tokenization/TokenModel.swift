// The model stage of the pipeline (HF tokenizers `Model` trait): one pre-tokenized piece in, ids out.

/// A vocabulary model: Unigram or BPE.
protocol TokenModel: Sendable {
    /// Appends the ids of one pre-tokenized piece to `ids`.
    func tokenize(_ piece: [Unicode.Scalar], into ids: inout [Int32])
    /// The id of a vocabulary entry.
    func id(of token: String) -> Int32?
    /// The vocabulary entry of an id, or nil when out of range.
    func token(of id: Int32) -> String?
    /// Number of entries in the model's vocabulary.
    var vocabSize: Int { get }
}

/// The ids of a string's UTF-8 bytes as `<0xAB>` tokens, or nil when one of them is missing (byte fallback).
func byteFallbackIDs(_ scalars: ArraySlice<Unicode.Scalar>, byteIDs: [Int32]) -> [Int32]? {
    guard byteIDs.count == 256 else { return nil }
    var out: [Int32] = []
    for s in scalars {
        var ok = true
        UTF8.encode(s) { b in
            let id = byteIDs[Int(b)]
            if id < 0 { ok = false } else { out.append(id) }
        }
        if !ok { return nil }
    }
    return out
}

/// Looks up the 256 `<0xAB>` tokens of a vocabulary (-1 where missing).
func byteTokenIDs(_ lookup: (String) -> Int32?) -> [Int32] {
    (0..<256).map { b in
        let hex = String(b, radix: 16, uppercase: true)
        return lookup("<0x\(hex.count == 1 ? "0" + hex : hex)>") ?? -1
    }
}

/// Rust's `char::is_whitespace` (Unicode White_Space), with an ASCII fast path: Swift's property lookup is slow.
@inline(__always)
func isRustWhitespace(_ s: Unicode.Scalar) -> Bool {
    let v = s.value
    if v < 0x80 { return v == 0x20 || (0x09...0x0D).contains(v) }
    if v < 0x85 { return false }
    return s.properties.isWhitespace
}
