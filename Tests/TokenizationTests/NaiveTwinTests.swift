// Fast model paths against naive twins: Unigram Viterbi with the scalar trie vs a dictionary-lookup lattice over
// every substring, and heap-driven BPE vs the quadratic "merge the best pair, rescan" loop. Same tie rules.
import Foundation
import Testing
@testable import Tokenization

/// The naive twin's vocabulary: piece bytes → id (byte-exact keys, so canonically equivalent pieces stay apart).
/// Built once per model and passed to every `naiveUnigram` call.
func naiveLookup(_ m: UnigramModel) -> [[UInt8]: Int32] {
    var lookup: [[UInt8]: Int32] = [:]
    lookup.reserveCapacity(m.pieces.count)
    for (i, p) in m.pieces.enumerated() { lookup[Array(p.utf8)] = Int32(i) }
    return lookup
}

/// Naive Unigram: every substring looked up in a dictionary, same candidate order and ties as HF.
func naiveUnigram(_ m: UnigramModel, _ s: [Unicode.Scalar], lookup: [[UInt8]: Int32]) -> [Int32] {
    let n = s.count
    guard n > 0 else { return [] }
    let unkScore = m.scores.min()! - UnigramModel.unknownPenalty
    var best = [(score: Double, start: Int, id: Int32)?](repeating: nil, count: n + 1)
    best[0] = (0, 0, -1)
    for i in 0..<n {
        let base = best[i]!.score
        var single = false
        for j in (i + 1)...n {
            guard let id = lookup[Array(String(String.UnicodeScalarView(s[i..<j])).utf8)] else { continue }
            let cand = m.scores[Int(id)] + base
            if best[j] == nil || cand > best[j]!.score { best[j] = (cand, i, id) }
            if j == i + 1 { single = true }
        }
        if !single, best[i + 1] == nil || unkScore + base > best[i + 1]!.score { best[i + 1] = (unkScore + base, i, m.unkID) }
    }
    var out: [(Int, Int, Int32)] = []
    var end = n
    while end > 0 { let b = best[end]!; out.append((b.start, end, b.id)); end = b.start }
    out.reverse()
    // Fuse unknown runs, then resolve them like HF.
    var ids: [Int32] = []
    var k = 0
    while k < out.count {
        guard out[k].2 == m.unkID else { ids.append(out[k].2); k += 1; continue }
        let start = out[k].0
        while k < out.count && out[k].2 == m.unkID { k += 1 }
        let text = String(String.UnicodeScalarView(s[start..<out[k - 1].1]))
        if let id = lookup[Array(text.utf8)] { ids.append(id); continue }
        if m.byteFallback {
            let b = Array(text.utf8).map { lookup[Array(String(format: "<0x%02X>", $0).utf8)] }
            if b.allSatisfy({ $0 != nil }) { ids.append(contentsOf: b.map { $0! }); continue }
        }
        ids.append(m.unkID)
    }
    return ids
}

/// Naive BPE merge loop over initial symbol ids: find the lowest-rank pair (leftmost on ties), merge, repeat.
func naiveMerge(_ m: BPEModel, _ symbols: [Int32]) -> [Int32] {
    var sym = symbols
    while sym.count > 1 {
        var bestK = -1
        var bestRank = Int32.max
        var bestID: Int32 = 0
        for k in 0..<(sym.count - 1) {
            let key = UInt64(UInt32(sym[k])) << 32 | UInt64(UInt32(sym[k + 1]))
            if let e = m.merges[key], e.rank < bestRank { bestRank = e.rank; bestK = k; bestID = e.id }
        }
        if bestK < 0 { break }
        sym[bestK] = bestID
        sym.remove(at: bestK + 1)
    }
    return sym
}

@Suite struct NaiveTwinTests {
    /// Seeded scalars drawn mostly from the model's own pieces, plus unknown ones.
    static func randomPieces(from pieces: [String], count: Int, seed: UInt64) -> [[Unicode.Scalar]] {
        var state = seed
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        let extra: [Unicode.Scalar] = ["\u{2581}", "x", "\u{0301}", "\u{4E00}", "\u{1F600}", "\u{E000}", "\u{10FFFD}"]
        return (0..<count).map { _ in
            var s: [Unicode.Scalar] = []
            for _ in 0..<(1 + next(6)) {
                if next(5) == 0 { s.append(extra[next(extra.count)]) } else {
                    s.append(contentsOf: pieces[next(pieces.count)].unicodeScalars)
                }
            }
            return s
        }
    }

    @Test(arguments: ["unigram", "unigram-bf"])
    func unigramViterbiMatchesNaiveLattice(dir: String) throws {
        let tok = try Tokenizer.load(tokenizerJSON: ReferenceFixture.root.appendingPathComponent("\(dir)/tokenizer.json"))
        let m = try #require(tok.model as? UnigramModel)
        let lookup = naiveLookup(m)
        var mismatches = 0
        for (i, s) in Self.randomPieces(from: m.pieces, count: 3000, seed: 7).enumerated() {
            var fast: [Int32] = []
            m.tokenize(s, into: &fast)
            let naive = naiveUnigram(m, s, lookup: lookup)
            if let d = firstMismatch(fast, naive) {
                mismatches += 1
                if mismatches <= 3 { Issue.record("\(dir) #\(i) \(String(String.UnicodeScalarView(s)).debugDescription): \(d)") }
            }
        }
        #expect(mismatches == 0, "exact match required (tolerance 0 ids)")
    }

    @Test func bpeHeapMatchesNaiveLoop() throws {
        let tok = try Tokenizer.load(tokenizerJSON: ReferenceFixture.root.appendingPathComponent("bpe/tokenizer.json"))
        let m = try #require(tok.model as? BPEModel)
        // No merges (a merge-free BPE copy) gives the initial symbols; the naive loop then merges them.
        let plain = try BPEModel(vocab: m.idToToken.enumerated().map { ($1, Int32($0)) },
                                 merges: [], unkToken: "<unk>", fuseUnk: true, byteFallback: true, ignoreMerges: false,
                                 continuingSubwordPrefix: nil, endOfWordSuffix: nil)
        var mismatches = 0
        for (i, s) in Self.randomPieces(from: m.idToToken, count: 3000, seed: 11).enumerated() {
            var fast: [Int32] = [], initial: [Int32] = []
            m.tokenize(s, into: &fast)
            plain.tokenize(s, into: &initial)
            let naive = naiveMerge(m, initial)
            if let d = firstMismatch(fast, naive) {
                mismatches += 1
                if mismatches <= 3 { Issue.record("bpe #\(i) \(String(String.UnicodeScalarView(s)).debugDescription): \(d)") }
            }
        }
        #expect(mismatches == 0, "exact match required (tolerance 0 ids)")
    }

    /// Thousands of seeded random strings over the whole scalar range (surrogates excluded): no crash, ids in
    /// range, the final id is `</s>`, and decoding gives valid text.
    @Test(arguments: ["unigram", "unigram-bf", "bpe"])
    func randomUnicodeNeverCrashes(dir: String) throws {
        let tok = try Tokenizer.load(tokenizerJSON: ReferenceFixture.root.appendingPathComponent("\(dir)/tokenizer.json"))
        var state: UInt64 = 42
        func next(_ n: UInt32) -> UInt32 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt32((state >> 33) % UInt64(n))
        }
        for _ in 0..<3000 {
            var s = String.UnicodeScalarView()
            for _ in 0..<next(40) {
                let v: UInt32 = next(4) == 0 ? next(0x80) : next(3) == 0 ? next(0x10000) : next(0x110000)
                if let u = Unicode.Scalar(v) { s.append(u) }
            }
            let ids = tok.encode(String(s))
            #expect(ids.last == tok.eosTokenID)
            #expect(ids.allSatisfy { $0 >= 0 && Int($0) < tok.vocabSize })
            _ = tok.decode(ids, skipSpecialTokens: true)
        }
    }

    /// The region-based grapheme shortcut of the charsmap normalizer vs whole-string grapheme segmentation.
    @Test func charsmapRegionsMatchWholeStringGraphemes() throws {
        let tok = try Tokenizer.load(tokenizerJSON: ReferenceFixture.root.appendingPathComponent("unigram/tokenizer.json"))
        guard case .precompiled(let map)? = tok.normalizer else { Issue.record("no Precompiled normalizer"); return }
        var state: UInt64 = 5
        func next(_ n: UInt32) -> UInt32 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt32((state >> 33) % UInt64(n))
        }
        // Scalars that stress UAX #29: marks, ZWJ, jamo, regional indicators, modifiers, prepend, CR/LF, halfwidth.
        let pool: [UInt32] = [0x61, 0x20, 0x0D, 0x0A, 0x301, 0x308, 0x200D, 0x1100, 0x1161, 0x11A8, 0xAC00, 0x1F1EB,
                              0x1F1F7, 0x1F44D, 0x1F3FD, 0x600, 0x915, 0x94D, 0x937, 0xFF71, 0xFF9E, 0xFB01, 0x2460,
                              0xE33, 0xFE0F, 0xE0061, 0x4E00, 0x3099, 0x1F600]
        let fx = ReferenceFixture.shared
        var inputs = fx.cases.map { Array($0.text.unicodeScalars) } + fx.random.map { Array($0.unicodeScalars) }
        for _ in 0..<3000 { inputs.append((0..<next(12)).map { _ in Unicode.Scalar(pool[Int(next(UInt32(pool.count)))])! }) }
        var mismatches = 0
        for s in inputs {
            var fast: [Unicode.Scalar] = [], naive: [Unicode.Scalar] = []
            map.normalize(s, into: &fast)
            map.normalizeByCharacters(s, into: &naive)
            if fast != naive {
                mismatches += 1
                if mismatches <= 3 { Issue.record("\(s.map { String($0.value, radix: 16) }): fast \(fast.map { String($0.value, radix: 16) }) naive \(naive.map { String($0.value, radix: 16) })") }
            }
        }
        #expect(mismatches == 0, "exact match required")
    }
}
