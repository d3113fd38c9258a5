// Building a tokenizer from a bare `spiece.model`, the way transformers' T5Tokenizer does it when a checkpoint
// has no tokenizer.json (T5Converter.convert_from_spm + T5Tokenizer.__init__ in transformers 5).
import Foundation

extension Tokenizer {
    static func load(sentencePieceModel url: URL, config: TokenizerConfig) throws(TokenizationError) -> Tokenizer {
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: url)) } catch {
            throw .unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        let spm = try SentencePieceModel(bytes: bytes, path: url.path)
        guard spm.modelType == .unigram else {
            throw .malformedSentencePiece(path: url.path,
                                          reason: "model_type \(spm.modelType) needs a tokenizer.json (only Unigram spiece.model files load alone)")
        }
        // Vocabulary: the pieces, then <extra_id_{n-1}> ... <extra_id_0> with score 0.
        var vocab = spm.pieces.map { ($0.piece, Double($0.score)) }
        let extras = (0..<max(config.extraIDs, 0)).reversed().map { "<extra_id_\($0)>" }
        vocab.append(contentsOf: extras.map { ($0, 0.0) })
        let model = try UnigramModel(vocab: vocab, unkID: spm.unkID, byteFallback: false)
        // Added tokens: the special tokens then the sentinels (all special, not normalized).
        var added: [AddedToken] = []
        var seen = Set<String>()
        for name in [config.padToken, config.eosToken, config.unkToken] + extras + config.additionalSpecialTokens {
            guard !seen.contains(name), let id = model.id(of: name) else { continue }
            seen.insert(name)
            added.append(AddedToken(id: id, content: name, special: true))
        }
        added.sort { $0.id < $1.id }
        let normalizer: Normalizer? = spm.precompiledCharsmap.isEmpty
            ? nil : .precompiled(try PrecompiledCharsmap(bytes: spm.precompiledCharsmap))
        let post: PostProcessor? = model.id(of: config.eosToken).map { .template([.sequence, .special([$0])]) }
        let components = TokenizerComponents(
            model: model, normalizer: normalizer,
            preTokenizer: .sequence([.whitespaceSplit, .metaspace(replacement: "\u{2581}", prepend: .always, split: true)]),
            decoder: .metaspace(replacement: "\u{2581}", prepend: .always),
            postProcessor: post, addedTokens: added)
        return Tokenizer(components, config: config)
    }
}
