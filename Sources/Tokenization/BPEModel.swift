// BPE model as HF tokenizers runs it (`models/bpe/model.rs` + `word.rs`): a word starts as one symbol per scalar
// (unknown scalars fused into one `<unk>` or replaced by `<0xAB>` byte tokens), then the pair with the lowest merge
// rank is merged, leftmost first, until no pair has a merge.

/// A BPE vocabulary with its ranked merges.
struct BPEModel: TokenModel {
    let idToToken: [String]                       // (V)
    private let tokenToID: [[UInt8]: Int32]      // UTF-8 keys: byte-exact (String keys merge "ó" and "o\u{301}")
    /// (left id << 32 | right id) -> (rank, merged id)
    let merges: [UInt64: (rank: Int32, id: Int32)]
    private let unkID: Int32?
    private let fuseUnk: Bool
    private let byteFallback: Bool
    private let ignoreMerges: Bool
    private let prefix: String?                   // continuing_subword_prefix
    private let suffix: String?                   // end_of_word_suffix
    private let scalarIDs: [UInt32: Int32]        // single-scalar tokens, for the common no-prefix/suffix case
    private let byteIDs: [Int32]

    init(vocab vocabList: [(String, Int32)], merges mergeList: [(String, String)], unkToken: String?, fuseUnk: Bool,
         byteFallback: Bool, ignoreMerges: Bool, continuingSubwordPrefix: String?, endOfWordSuffix: String?)
        throws(TokenizationError)
    {
        let size = (vocabList.map(\.1).max().map { Int($0) + 1 }) ?? 0
        var inverse = [String](repeating: "", count: size)
        var map: [[UInt8]: Int32] = [:]
        map.reserveCapacity(vocabList.count)
        for (token, id) in vocabList {
            guard id >= 0 else { throw .malformedVocab(reason: "negative id \(id) for '\(token)'") }
            inverse[Int(id)] = token
            map[Array(token.utf8)] = id
        }
        idToToken = inverse
        tokenToID = map
        func vocab(_ s: String) -> Int32? { map[Array(s.utf8)] }
        var m: [UInt64: (rank: Int32, id: Int32)] = [:]
        m.reserveCapacity(mergeList.count)
        let prefixLen = continuingSubwordPrefix?.count ?? 0
        for (rank, (a, b)) in mergeList.enumerated() {
            guard let ia = vocab(a) else { throw .malformedVocab(reason: "merge \(rank) '\(a) \(b)': '\(a)' not in vocab") }
            guard let ib = vocab(b) else { throw .malformedVocab(reason: "merge \(rank) '\(a) \(b)': '\(b)' not in vocab") }
            var right = b
            if let p = continuingSubwordPrefix, b.hasPrefix(p) { right = String(b.dropFirst(prefixLen)) }
            let merged = a + right
            guard let im = vocab(merged) else {
                throw .malformedVocab(reason: "merge \(rank) '\(a) \(b)': result '\(merged)' not in vocab")
            }
            let key = UInt64(UInt32(ia)) << 32 | UInt64(UInt32(ib))
            if m[key] == nil { m[key] = (Int32(rank), im) }
        }
        merges = m
        if let u = unkToken {
            guard let id = vocab(u) else { throw .malformedVocab(reason: "unk_token '\(u)' not in vocab") }
            unkID = id
        } else {
            unkID = nil
        }
        self.fuseUnk = fuseUnk
        self.byteFallback = byteFallback
        self.ignoreMerges = ignoreMerges
        prefix = continuingSubwordPrefix
        suffix = endOfWordSuffix
        var single: [UInt32: Int32] = [:]
        for (token, id) in vocabList where map[Array(token.utf8)] == id {
            let scalars = token.unicodeScalars
            if scalars.count == 1 { single[scalars.first!.value] = id }
        }
        scalarIDs = single
        byteIDs = byteFallback ? byteTokenIDs { vocab($0) } : []
    }

    var vocabSize: Int { idToToken.count }
    func id(of token: String) -> Int32? { tokenToID[Array(token.utf8)] }
    func token(of id: Int32) -> String? { id >= 0 && Int(id) < idToToken.count ? idToToken[Int(id)] : nil }

    /// Id of the scalar at `i` of `word` with the prefix/suffix decorations HF adds.
    private func symbolID(_ word: [Unicode.Scalar], _ i: Int) -> Int32? {
        if prefix == nil && suffix == nil { return scalarIDs[word[i].value] }
        var s = String(String.UnicodeScalarView([word[i]]))
        if i > 0, let p = prefix { s = p + s }
        if i == word.count - 1, let x = suffix { s += x }
        return tokenToID[Array(s.utf8)]
    }

    func tokenize(_ word: [Unicode.Scalar], into ids: inout [Int32]) {
        guard !word.isEmpty else { return }
        if ignoreMerges, let id = tokenToID[Array(String(String.UnicodeScalarView(word)).utf8)] {
            ids.append(id); return
        }
        // Initial symbols.
        var sym: [Int32] = []                    // symbol ids
        sym.reserveCapacity(word.count)
        var pendingUnk = false
        for i in word.indices {
            if let id = symbolID(word, i) {
                if pendingUnk { sym.append(unkID!); pendingUnk = false }
                sym.append(id)
                continue
            }
            if byteFallback, let bytes = byteFallbackIDs(word[i...i], byteIDs: byteIDs) {
                sym.append(contentsOf: bytes)    // (a pending unk is not flushed here, as in HF)
                continue
            }
            guard let unk = unkID else { continue }
            if pendingUnk && !fuseUnk { sym.append(unk) }
            pendingUnk = true
        }
        if pendingUnk { sym.append(unkID!) }
        mergeAll(&sym)
        ids.append(contentsOf: sym)
    }

    /// Applies merges lowest rank first, leftmost first among equal ranks (HF `Word::merge_all`, no dropout).
    private func mergeAll(_ sym: inout [Int32]) {
        let n = sym.count
        guard n > 1 else { return }
        var prev = [Int](unsafeUninitializedCapacity: n) { b, c in for i in 0..<n { b[i] = i - 1 }; c = n }
        var next = [Int](unsafeUninitializedCapacity: n) { b, c in for i in 0..<n { b[i] = i + 1 }; c = n }
        var alive = [Bool](repeating: true, count: n)
        var heap = MergeHeap()
        for i in 0..<(n - 1) {
            if let m = merges[Self.key(sym[i], sym[i + 1])] { heap.push(.init(rank: m.rank, pos: i, id: m.id)) }
        }
        while let top = heap.pop() {
            let p = top.pos
            guard alive[p], next[p] < n else { continue }
            let q = next[p]
            guard let m = merges[Self.key(sym[p], sym[q])], m.id == top.id else { continue }  // stale entry
            sym[p] = top.id
            alive[q] = false
            next[p] = next[q]
            if next[q] < n { prev[next[q]] = p }
            if prev[p] >= 0, let m2 = merges[Self.key(sym[prev[p]], sym[p])] {
                heap.push(.init(rank: m2.rank, pos: prev[p], id: m2.id))
            }
            if next[p] < n, let m3 = merges[Self.key(sym[p], sym[next[p]])] {
                heap.push(.init(rank: m3.rank, pos: p, id: m3.id))
            }
        }
        var out: [Int32] = []
        out.reserveCapacity(n)
        for i in 0..<n where alive[i] { out.append(sym[i]) }
        sym = out
    }

    @inline(__always)
    private static func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)) }
}

/// Binary min-heap of pending merges ordered by (rank, position).
struct MergeHeap {
    struct Entry { var rank: Int32; var pos: Int; var id: Int32 }
    private var items: [Entry] = []

    @inline(__always)
    private static func less(_ a: Entry, _ b: Entry) -> Bool { a.rank != b.rank ? a.rank < b.rank : a.pos < b.pos }

    mutating func push(_ e: Entry) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if Self.less(items[i], items[parent]) { items.swapAt(i, parent); i = parent } else { break }
        }
    }

    mutating func pop() -> Entry? {
        guard !items.isEmpty else { return nil }
        let top = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && Self.less(items[l], items[m]) { m = l }
                if r < items.count && Self.less(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m); i = m
            }
        }
        return top
    }
}
