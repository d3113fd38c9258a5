// Album's tokenizer: text -> ids exactly as the checkpoint's own tokenizer in transformers, and back.
// Pipeline (HF tokenizers `TokenizerImpl::encode`): added tokens split off the raw text -> normalizer ->
// pre-tokenizer -> model (Unigram or BPE) -> post-processor (`</s>`); decode: ids -> tokens -> decoder.
import Foundation

/// A loaded tokenizer. Immutable and safe to share between threads.
public final class Tokenizer: Sendable {
    let model: any TokenModel
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let decoder: Decoder?
    let postProcessor: PostProcessor?
    let added: AddedVocabulary
    let cleanUpSpaces: Bool

    /// The end-of-sequence id (`</s>` for T5), or nil when the vocabulary has no such token.
    public let eosTokenID: Int32?
    /// The padding id (`<pad>` = 0 for T5), or nil when the vocabulary has no such token.
    public let padTokenID: Int32?

    init(_ c: TokenizerComponents, config: TokenizerConfig) {
        model = c.model
        normalizer = c.normalizer
        preTokenizer = c.preTokenizer
        decoder = c.decoder
        postProcessor = c.postProcessor
        added = AddedVocabulary(tokens: c.addedTokens, normalizer: c.normalizer)
        // transformers skips the clean-up for BPE models unless told otherwise.
        cleanUpSpaces = config.cleanUpTokenizationSpaces && (!(c.model is BPEModel) || config.cleanUpForBPE)
        eosTokenID = added.id(of: config.eosToken) ?? c.model.id(of: config.eosToken)
        padTokenID = added.id(of: config.padToken) ?? c.model.id(of: config.padToken)
    }

    // MARK: loading

    /// Loads the tokenizer of a checkpoint directory: `tokenizer.json` when present, else `spiece.model`;
    /// `tokenizer_config.json` and `special_tokens_map.json` are read when present.
    /// - Throws: `TokenizationError` naming the file and the problem (missing files, unsupported components...).
    public static func load(directory: URL) throws(TokenizationError) -> Tokenizer {
        let config = try TokenizerConfig(directory: directory)
        let json = directory.appendingPathComponent("tokenizer.json")
        if FileManager.default.fileExists(atPath: json.path) {
            return try load(tokenizerJSON: json, config: config)
        }
        let spm = directory.appendingPathComponent("spiece.model")
        if FileManager.default.fileExists(atPath: spm.path) {
            return try load(sentencePieceModel: spm, config: config)
        }
        throw .noTokenizerFiles(directory: directory.path)
    }

    /// Loads one `tokenizer.json` file with default transformers settings.
    public static func load(tokenizerJSON url: URL) throws(TokenizationError) -> Tokenizer {
        try load(tokenizerJSON: url, config: TokenizerConfig())
    }

    /// Loads a bare `spiece.model` as transformers' `T5Tokenizer` does (Unigram, precompiled charsmap,
    /// WhitespaceSplit + Metaspace, `</s>` appended, `extraIDs` sentinels `<extra_id_N>` after the vocabulary).
    public static func load(sentencePieceModel url: URL, extraIDs: Int = 100) throws(TokenizationError) -> Tokenizer {
        var config = TokenizerConfig()
        config.extraIDs = extraIDs
        return try load(sentencePieceModel: url, config: config)
    }

    static func load(tokenizerJSON url: URL, config: TokenizerConfig) throws(TokenizationError) -> Tokenizer {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        return Tokenizer(try TokenizerJSON(path: url.path).parse(data), config: config)
    }

    // MARK: encoding

    /// Token ids of `text` with special tokens added as the post-processor says (HF `tokenizer(text).input_ids`).
    public func encode(_ text: String) -> [Int32] { encode(text, addSpecialTokens: true) }

    /// Token ids of `text`; `addSpecialTokens: false` leaves out the post-processor's tokens (e.g. the final `</s>`).
    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int32] {
        let scalars = Array(text.unicodeScalars)
        var ids: [Int32] = []
        ids.reserveCapacity(scalars.count / 3 + 2)
        for seg in added.split(scalars, normalized: false) {
            if let id = seg.id { ids.append(id); continue }
            let raw = Array(scalars[seg.range])
            let norm = normalizer?.apply(raw) ?? raw
            let atOrigin = seg.range.lowerBound == 0
            if added.hasNormalizedTokens {
                for sub in added.split(norm, normalized: true) {
                    if let id = sub.id { ids.append(id); continue }
                    tokenize(Array(norm[sub.range]), atOrigin: atOrigin && sub.range.lowerBound == 0, into: &ids)
                }
            } else {
                tokenize(norm, atOrigin: atOrigin, into: &ids)
            }
        }
        if addSpecialTokens, let post = postProcessor { ids = post.apply(ids) }
        return ids
    }

    /// Token ids of UTF-8 bytes from outside (e.g. an HTTP body).
    /// - Throws: `TokenizationError.invalidUTF8` with the offset of the first invalid byte.
    public func encode(utf8 bytes: [UInt8], addSpecialTokens: Bool = true) throws(TokenizationError) -> [Int32] {
        encode(try Tokenizer.string(fromUTF8: bytes), addSpecialTokens: addSpecialTokens)
    }

    /// Validates UTF-8 bytes and returns the string.
    /// - Throws: `TokenizationError.invalidUTF8` with the offset of the first invalid byte.
    public static func string(fromUTF8 bytes: [UInt8]) throws(TokenizationError) -> String {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        var it = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        var consumed = 0
        // Find the first byte of the first invalid sequence.
        var lastGood = 0
        loop: while true {
            switch decoder.decode(&it) {
            case .scalarValue(let s):
                consumed += UTF8.width(s)
                lastGood = consumed
            case .emptyInput: break loop
            case .error: offset = lastGood; break loop
            }
        }
        throw .invalidUTF8(offset: offset)
    }

    private func tokenize(_ normalized: [Unicode.Scalar], atOrigin: Bool, into ids: inout [Int32]) {
        guard let pre = preTokenizer else {
            model.tokenize(normalized, into: &ids)
            return
        }
        var pieces = [PreToken(scalars: normalized, atOrigin: atOrigin)]
        pre.apply(&pieces)
        for p in pieces { model.tokenize(p.scalars, into: &ids) }
    }

    // MARK: vocabulary

    /// Number of ids (model vocabulary plus added tokens past its end), like `len(tokenizer)` in transformers.
    public var vocabSize: Int {
        max(model.vocabSize, (added.tokens.map { Int($0.id) }.max() ?? -1) + 1)
    }

    /// The id of a token string (added tokens first, then the model vocabulary).
    public func id(of token: String) -> Int32? { added.id(of: token) ?? model.id(of: token) }

    /// Token strings of `ids` (HF `convert_ids_to_tokens`); an id outside the vocabulary gives "".
    public func tokens(_ ids: [Int32]) -> [String] {
        ids.map { added.token(of: $0) ?? model.token(of: $0) ?? "" }
    }

    // MARK: decoding

    /// Text of `ids` as HF `decode(ids, skip_special_tokens:)`: Metaspace undone, byte tokens fused,
    /// special tokens dropped on request; ids outside the vocabulary are ignored.
    public func decode(_ ids: [Int32], skipSpecialTokens: Bool) -> String {
        var toks: [String] = []
        toks.reserveCapacity(ids.count)
        for id in ids {
            guard let t = added.token(of: id) ?? model.token(of: id) else { continue }
            if skipSpecialTokens && added.isSpecial(t) { continue }
            toks.append(t)
        }
        let text = decoder?.decode(toks) ?? toks.joined(separator: " ")
        return cleanUpSpaces ? Self.cleanUpTokenization(text) : text
    }

    /// transformers' `clean_up_tokenization`.
    static func cleanUpTokenization(_ text: String) -> String {
        var t = text
        for (a, b) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                       (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")] {
            t = String(String.UnicodeScalarView(ReplacePattern(literal: a).replaceAll(
                in: Array(t.unicodeScalars), with: Array(b.unicodeScalars))))
        }
        return t
    }
}
