// Reader for HF `tokenizer.json` (tokenizers' serialization): model, normalizer, pre-tokenizer, decoder,
// post-processor and added tokens, in the dialects written by tokenizers 0.1x (Metaspace `add_prefix_space`,
// `str_rep`, merges as "a b" strings) and by current versions (`prepend_scheme`, `split`, merges as pairs).
import Foundation

/// All components of a tokenizer, ready to run.
struct TokenizerComponents: Sendable {
    var model: any TokenModel
    var normalizer: Normalizer?
    var preTokenizer: PreTokenizer?
    var decoder: Decoder?
    var postProcessor: PostProcessor?
    var addedTokens: [AddedToken]
}

/// Parses a `tokenizer.json` document.
struct TokenizerJSON {
    let path: String

    typealias Object = JSONObject

    func parse(_ data: Data) throws(TokenizationError) -> TokenizerComponents {
        let parsed: Any
        do { parsed = try JSONReader.parse([UInt8](data)) } catch {
            throw .malformedJSON(path: path, reason: "\(error.reason) at byte \(error.offset)")
        }
        guard let root = parsed as? Object else { throw bad("top level is not an object") }
        guard let modelObject = root["model"] as? Object else { throw bad("missing \"model\" object") }
        let model = try parseModel(modelObject)
        let normalizer = try (root["normalizer"] as? Object).map { o throws(TokenizationError) in try parseNormalizer(o) }
        let pre = try (root["pre_tokenizer"] as? Object).map { o throws(TokenizationError) in try parsePreTokenizer(o) }
        let decoder = try (root["decoder"] as? Object).map { o throws(TokenizationError) in try parseDecoder(o) }
        var added: [AddedToken] = []
        for case let t as Object in (root["added_tokens"] as? [Any]) ?? [] {
            guard let id = int(t["id"]), let content = t["content"] as? String else {
                throw bad("added token without id/content: \(t)")
            }
            added.append(AddedToken(id: Int32(id), content: content, special: t["special"] as? Bool ?? false,
                                    singleWord: t["single_word"] as? Bool ?? false, lstrip: t["lstrip"] as? Bool ?? false,
                                    rstrip: t["rstrip"] as? Bool ?? false, normalized: t["normalized"] as? Bool ?? false))
        }
        let post = try (root["post_processor"] as? Object).map { o throws(TokenizationError) in
            try parsePostProcessor(o, model: model, added: added)
        }
        return TokenizerComponents(model: model, normalizer: normalizer, preTokenizer: pre, decoder: decoder,
                                   postProcessor: post, addedTokens: added)
    }

    // MARK: helpers

    private func bad(_ reason: String) -> TokenizationError { .malformedJSON(path: path, reason: reason) }

    private func int(_ v: Any?) -> Int? {
        if let n = v as? Int { return n }
        if let d = v as? Double, d == d.rounded(), abs(d) < 1e15 { return Int(d) }
        return nil
    }

    private func double(_ v: Any?) -> Double? {
        if let d = v as? Double { return d }
        if let n = v as? Int { return Double(n) }
        return nil
    }

    private func type(_ o: Object) throws(TokenizationError) -> String {
        guard let t = o["type"] as? String else { throw bad("component without \"type\": \(o.keys)") }
        return t
    }

    private func scalar(_ v: Any?, _ what: String) throws(TokenizationError) -> Unicode.Scalar {
        guard let s = v as? String, s.unicodeScalars.count == 1 else { throw bad("\(what) must be one character") }
        return s.unicodeScalars.first!
    }

    // MARK: model

    private func parseModel(_ o: Object) throws(TokenizationError) -> any TokenModel {
        let t = (o["type"] as? String) ?? (o["merges"] != nil ? "BPE" : (o["vocab"] is [Any] ? "Unigram" : "?"))
        switch t {
        case "Unigram":
            guard let list = o["vocab"] as? [Any] else { throw bad("Unigram \"vocab\" is not a list") }
            var vocab: [(String, Double)] = []
            vocab.reserveCapacity(list.count)
            for (i, entry) in list.enumerated() {
                guard let pair = entry as? [Any], pair.count == 2, let piece = pair[0] as? String,
                      let score = double(pair[1])
                else { throw bad("Unigram vocab entry \(i) is not [piece, score]") }
                vocab.append((piece, score))
            }
            return try UnigramModel(vocab: vocab, unkID: int(o["unk_id"]), byteFallback: o["byte_fallback"] as? Bool ?? false)
        case "BPE":
            guard let v = o["vocab"] as? Object else { throw bad("BPE \"vocab\" is not an object") }
            var vocab: [(String, Int32)] = []
            vocab.reserveCapacity(v.pairs.count)
            for (k, value) in v.pairs {
                guard let id = int(value) else { throw bad("BPE vocab entry '\(k)' has no integer id") }
                vocab.append((k, Int32(id)))
            }
            var merges: [(String, String)] = []
            for (i, m) in ((o["merges"] as? [Any]) ?? []).enumerated() {
                if let s = m as? String {
                    let parts = s.split(separator: " ", omittingEmptySubsequences: false)
                    guard parts.count == 2 else { throw bad("BPE merge \(i) '\(s)' is not 'a b'") }
                    merges.append((String(parts[0]), String(parts[1])))
                } else if let p = m as? [Any], p.count == 2, let a = p[0] as? String, let b = p[1] as? String {
                    merges.append((a, b))
                } else {
                    throw bad("BPE merge \(i) is neither 'a b' nor [a, b]")
                }
            }
            if let d = double(o["dropout"]), d > 0 { throw bad("BPE dropout is not supported") }
            return try BPEModel(vocab: vocab, merges: merges, unkToken: o["unk_token"] as? String,
                                fuseUnk: o["fuse_unk"] as? Bool ?? false, byteFallback: o["byte_fallback"] as? Bool ?? false,
                                ignoreMerges: o["ignore_merges"] as? Bool ?? false,
                                continuingSubwordPrefix: o["continuing_subword_prefix"] as? String,
                                endOfWordSuffix: o["end_of_word_suffix"] as? String)
        default:
            throw .unsupportedModel(type: t)
        }
    }

    // MARK: normalizer

    func parseNormalizer(_ o: Object) throws(TokenizationError) -> Normalizer {
        switch try type(o) {
        case "Precompiled":
            let b64 = o["precompiled_charsmap"] as? String ?? ""
            guard let data = Data(base64Encoded: b64) else { throw bad("precompiled_charsmap is not base64") }
            return .precompiled(try PrecompiledCharsmap(bytes: [UInt8](data)))
        case "Replace":
            return .replace(try pattern(o["pattern"]), content: Array(((o["content"] as? String) ?? "").unicodeScalars))
        case "Strip":
            return .strip(left: o["strip_left"] as? Bool ?? true, right: o["strip_right"] as? Bool ?? true)
        case "NFC": return .unicodeForm(.nfc)
        case "NFD": return .unicodeForm(.nfd)
        case "NFKC": return .unicodeForm(.nfkc)
        case "NFKD": return .unicodeForm(.nfkd)
        case "Lowercase": return .lowercase
        case "Sequence":
            var steps: [Normalizer] = []
            for case let n as Object in (o["normalizers"] as? [Any]) ?? [] { steps.append(try parseNormalizer(n)) }
            return .sequence(steps)
        case let t:
            throw .unsupportedNormalizer(type: t)
        }
    }

    private func pattern(_ v: Any?) throws(TokenizationError) -> ReplacePattern {
        guard let p = v as? Object else { throw bad("Replace pattern must be {\"String\": ...} or {\"Regex\": ...}") }
        if let s = p["String"] as? String { return ReplacePattern(literal: s) }
        if let r = p["Regex"] as? String { return try ReplacePattern(regex: r) }
        throw bad("Replace pattern must be {\"String\": ...} or {\"Regex\": ...}")
    }

    // MARK: pre-tokenizer

    private func prependScheme(_ o: Object) throws(TokenizationError) -> PrependScheme {
        if let s = o["prepend_scheme"] as? String {
            switch s {
            case "always": return .always
            case "first": return .first
            case "never": return .never
            default: throw bad("unknown Metaspace prepend_scheme '\(s)'")
            }
        }
        // Old dialect: add_prefix_space (default true).
        return (o["add_prefix_space"] as? Bool ?? true) ? .always : .never
    }

    private func replacement(_ o: Object) throws(TokenizationError) -> Unicode.Scalar {
        try scalar(o["replacement"] ?? o["str_rep"] ?? "\u{2581}", "Metaspace replacement")
    }

    private func parsePreTokenizer(_ o: Object) throws(TokenizationError) -> PreTokenizer {
        switch try type(o) {
        case "WhitespaceSplit": return .whitespaceSplit
        case "Metaspace":
            return .metaspace(replacement: try replacement(o), prepend: try prependScheme(o), split: o["split"] as? Bool ?? true)
        case "Sequence":
            var steps: [PreTokenizer] = []
            for case let p as Object in (o["pretokenizers"] as? [Any]) ?? [] { steps.append(try parsePreTokenizer(p)) }
            return .sequence(steps)
        case let t:
            throw .unsupportedPreTokenizer(type: t)
        }
    }

    // MARK: decoder

    private func parseDecoder(_ o: Object) throws(TokenizationError) -> Decoder {
        switch try type(o) {
        case "Metaspace": return .metaspace(replacement: try replacement(o), prepend: try prependScheme(o))
        case "Replace":
            guard let p = o["pattern"] as? Object, let s = p["String"] as? String else {
                throw bad("Replace decoder supports only a String pattern")
            }
            return .replace(pattern: s, content: (o["content"] as? String) ?? "")
        case "ByteFallback": return .byteFallback
        case "Fuse": return .fuse
        case "Strip":
            return .strip(content: try scalar(o["content"] ?? " ", "Strip content"), start: int(o["start"]) ?? 0,
                          stop: int(o["stop"]) ?? 0)
        case "Sequence":
            var steps: [Decoder] = []
            for case let d as Object in (o["decoders"] as? [Any]) ?? [] { steps.append(try parseDecoder(d)) }
            return .sequence(steps)
        case let t:
            throw .unsupportedDecoder(type: t)
        }
    }

    // MARK: post-processor

    private func parsePostProcessor(_ o: Object, model: any TokenModel, added: [AddedToken])
        throws(TokenizationError) -> PostProcessor
    {
        switch try type(o) {
        case "TemplateProcessing":
            var specials: [String: [Int32]] = [:]
            if let map = o["special_tokens"] as? Object {
                for (k, v) in map.pairs {
                    guard let e = v as? Object, let ids = e["ids"] as? [Any] else { throw bad("special token '\(k)' has no ids") }
                    specials[k] = ids.compactMap { int($0).map(Int32.init) }
                }
            }
            var items: [PostProcessor.TemplateItem] = []
            for case let item as Object in (o["single"] as? [Any]) ?? [] {
                if item["Sequence"] != nil {
                    items.append(.sequence)
                } else if let s = item["SpecialToken"] as? Object, let id = s["id"] as? String {
                    guard let ids = specials[id] else { throw bad("template uses '\(id)' missing from special_tokens") }
                    items.append(.special(ids))
                } else {
                    throw bad("unknown template item \(item)")
                }
            }
            return .template(items)
        case "Sequence":
            let procs = (o["processors"] as? [Any]) ?? []
            if procs.isEmpty { return .template([.sequence]) }
            if procs.count == 1, let p = procs[0] as? Object { return try parsePostProcessor(p, model: model, added: added) }
            throw .unsupportedPostProcessor(type: "Sequence of \(procs.count) processors")
        case let t:
            throw .unsupportedPostProcessor(type: t)
        }
    }
}
