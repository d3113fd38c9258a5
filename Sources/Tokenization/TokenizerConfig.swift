// The parts of `tokenizer_config.json` / `special_tokens_map.json` that change behaviour in transformers:
// special-token names, `extra_ids` (for a bare spiece.model), and `clean_up_tokenization_spaces` on decode.
import Foundation

/// Settings read from transformers' side files; every field has transformers' default.
struct TokenizerConfig {
    var eosToken = "</s>"
    var padToken = "<pad>"
    var unkToken = "<unk>"
    var extraIDs = 100
    var additionalSpecialTokens: [String] = []
    var cleanUpTokenizationSpaces = false
    var cleanUpForBPE = false

    /// Reads `tokenizer_config.json` then `special_tokens_map.json` (the latter only fills token names) from `dir`.
    init(directory dir: URL) throws(TokenizationError) {
        let fm = FileManager.default
        let configURL = dir.appendingPathComponent("tokenizer_config.json")
        var sawEOS = false, sawPad = false
        if fm.fileExists(atPath: configURL.path) {
            let o = try Self.object(configURL)
            if let s = Self.tokenName(o["eos_token"]) { eosToken = s; sawEOS = true }
            if let s = Self.tokenName(o["pad_token"]) { padToken = s; sawPad = true }
            if let s = Self.tokenName(o["unk_token"]) { unkToken = s }
            if let n = o["extra_ids"] as? NSNumber { extraIDs = n.intValue }
            if let list = (o["additional_special_tokens"] ?? o["extra_special_tokens"]) as? [Any] {
                additionalSpecialTokens = list.compactMap(Self.tokenName)
            }
            if let b = o["clean_up_tokenization_spaces"] as? Bool { cleanUpTokenizationSpaces = b }
            if let b = o["clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output"] as? Bool {
                cleanUpForBPE = b
            }
        }
        let mapURL = dir.appendingPathComponent("special_tokens_map.json")
        if fm.fileExists(atPath: mapURL.path) {
            let o = try Self.object(mapURL)
            if !sawEOS, let s = Self.tokenName(o["eos_token"]) { eosToken = s }
            if !sawPad, let s = Self.tokenName(o["pad_token"]) { padToken = s }
        }
    }

    init() {}

    /// A token name written either as a string or as an AddedToken object (`{"content": ...}`).
    private static func tokenName(_ v: Any?) -> String? {
        if let s = v as? String { return s }
        if let o = v as? [String: Any], let s = o["content"] as? String { return s }
        return nil
    }

    private static func object(_ url: URL) throws(TokenizationError) -> [String: Any] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .unreadableFile(path: url.path, reason: "\(error.localizedDescription)")
        }
        do {
            guard let o = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw TokenizationError.malformedJSON(path: url.path, reason: "top level is not an object")
            }
            return o
        } catch let e as TokenizationError { throw e } catch {
            throw .malformedJSON(path: url.path, reason: "\(error)")
        }
    }
}
