// SentencePiece Unigram model: Viterbi over Unicode scalars with a scalar trie, scores summed as Double.
// Mirrors HF tokenizers `models/unigram/model.rs` (`encode_optimized` + `tokenize`): ties keep the first candidate
// found (shorter pieces first, the unknown candidate last), unknown scalars score `min_score - 10`, consecutive
// unknowns are fused into one `<unk>`, and byte fallback replaces an unknown run with its `<0xAB>` tokens.

/// A Unigram vocabulary.
struct UnigramModel: TokenModel {
    let pieces: [String]            // (V)
    let scores: [Double]            // (V)
    let unkID: Int32
    let byteFallback: Bool
    private let tokenToID: [[UInt8]: Int32]     // UTF-8 keys: byte-exact (String keys merge "ó" and "o\u{301}")
    private let trie: ScalarTrie
    private let unkScore: Double
    private let byteIDs: [Int32]

    /// Penalty below the lowest piece score given to an unknown scalar (`K_UNK_PENALTY`).
    static let unknownPenalty = 10.0

    init(vocab: [(String, Double)], unkID: Int?, byteFallback: Bool) throws(TokenizationError) {
        guard !vocab.isEmpty else { throw .malformedVocab(reason: "Unigram vocabulary is empty") }
        guard let unk = unkID else { throw .malformedVocab(reason: "Unigram model has no unk_id") }
        guard unk >= 0 && unk < vocab.count else {
            throw .malformedVocab(reason: "unk_id \(unk) outside vocabulary of \(vocab.count)")
        }
        pieces = vocab.map { $0.0 }
        scores = vocab.map { $0.1 }
        var map: [[UInt8]: Int32] = [:]
        map.reserveCapacity(vocab.count)
        var keys: [(key: [Unicode.Scalar], value: Int32)] = []
        keys.reserveCapacity(vocab.count)
        var minScore = Double.infinity
        for (i, (piece, score)) in vocab.enumerated() {
            map[Array(piece.utf8)] = Int32(i)
            keys.append((Array(piece.unicodeScalars), Int32(i)))
            if score < minScore { minScore = score }
        }
        // Duplicates: the HashMap keeps the last id; the trie must agree.
        keys = keys.map { ($0.key, map[Array(String(String.UnicodeScalarView($0.key)).utf8)]!) }
        tokenToID = map
        trie = ScalarTrie(keys: keys)
        unkScore = minScore - Self.unknownPenalty
        self.unkID = Int32(unk)
        self.byteFallback = byteFallback
        byteIDs = byteFallback ? byteTokenIDs { map[Array($0.utf8)] } : []
    }

    var vocabSize: Int { pieces.count }
    func id(of token: String) -> Int32? { tokenToID[Array(token.utf8)] }
    func token(of id: Int32) -> String? { id >= 0 && Int(id) < pieces.count ? pieces[Int(id)] : nil }

    func tokenize(_ piece: [Unicode.Scalar], into ids: inout [Int32]) {
        let n = piece.count
        guard n > 0 else { return }
        // best[i]: best path ending at scalar position i.
        var bestScore = [Double](repeating: 0, count: n + 1)   // (n+1)
        var startsAt = [Int32](repeating: -1, count: n + 1)    // (n+1), -1 = none yet
        var bestID = [Int32](repeating: 0, count: n + 1)       // (n+1)
        piece.withUnsafeBufferPointer { s in
            for i in 0..<n {
                let base = bestScore[i]
                var hasSingle = false
                var node = ScalarTrie.root
                var j = i
                while j < n {
                    node = trie.child(node, s[j].value)
                    if node < 0 { break }
                    let v = trie.value(node)
                    if v >= 0 {
                        let k = j + 1
                        let cand = scores[Int(v)] + base
                        if startsAt[k] < 0 || cand > bestScore[k] {
                            bestScore[k] = cand; startsAt[k] = Int32(i); bestID[k] = v
                        }
                        if j == i { hasSingle = true }
                    }
                    j += 1
                }
                if !hasSingle {
                    let k = i + 1
                    let cand = unkScore + base
                    if startsAt[k] < 0 || cand > bestScore[k] {
                        bestScore[k] = cand; startsAt[k] = Int32(i); bestID[k] = unkID
                    }
                }
            }
        }
        // Backtrack; runs of unknown nodes become one piece.
        var spans: [(start: Int, end: Int, id: Int32)] = []   // reversed order
        var end = n
        var unkEnd = -1
        while end > 0 {
            let start = Int(startsAt[end])
            let id = bestID[end]
            if id == unkID {
                if unkEnd < 0 { unkEnd = end }
            } else {
                if unkEnd >= 0 { spans.append((end, unkEnd, unkID)); unkEnd = -1 }
                spans.append((start, end, id))
            }
            end = start
        }
        if unkEnd >= 0 { spans.append((0, unkEnd, unkID)) }
        for span in spans.reversed() {
            if span.id != unkID { ids.append(span.id); continue }
            // A fused unknown run: the Rust model looks the text up again, then tries byte fallback.
            let text = piece[span.start..<span.end]
            if let id = tokenToID[Array(String(String.UnicodeScalarView(text)).utf8)] { ids.append(id); continue }
            if byteFallback, let bytes = byteFallbackIDs(text, byteIDs: byteIDs) {
                ids.append(contentsOf: bytes); continue
            }
            ids.append(unkID)
        }
    }
}
