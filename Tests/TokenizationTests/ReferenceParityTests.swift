// Exactness against HF: every hard case and every random string gives the recorded ids, tokens and decodes, for
// each tokenizer variant (current and older JSON dialect, bare spiece.model, unigram with byte fallback, BPE).
import Foundation
import Testing
@testable import Tokenization

@Suite struct ReferenceParityTests {
    static let variantNames = ["unigram", "unigram-spiece", "unigram-json", "unigram-old", "unigram-bf", "bpe"]

    @Test(arguments: variantNames)
    func hardCases(variant: String) throws {
        let fx = ReferenceFixture.shared
        let tok = try fx.tokenizer(variant)
        let results = fx.variants[variant]!.cases
        #expect(results.count == fx.cases.count)
        for (c, want) in zip(fx.cases, results) {
            let ids = tok.encode(c.text)
            #expect(firstMismatch(ids, want.ids) == nil, "\(variant)/\(c.name): \(firstMismatch(ids, want.ids) ?? "")")
            if let tokens = want.tokens { #expect(tok.tokens(want.ids) == tokens, "\(variant)/\(c.name) tokens") }
            #expect(tok.decode(want.ids, skipSpecialTokens: true) == want.decoded, "\(variant)/\(c.name) decode")
            if let d = want.decoded_with_special {
                #expect(tok.decode(want.ids, skipSpecialTokens: false) == d, "\(variant)/\(c.name) decode with special")
            }
        }
    }

    @Test(arguments: ["unigram", "bpe"])
    func randomStrings(variant: String) throws {
        let fx = ReferenceFixture.shared
        let tok = try fx.tokenizer(variant)
        let results = fx.variants[variant]!.random
        #expect(results.count >= 1000)
        var failures = 0
        for (i, (text, want)) in zip(fx.random, results).enumerated() {
            let ids = tok.encode(text)
            if let m = firstMismatch(ids, want.ids) {
                failures += 1
                if failures <= 5 { Issue.record("\(variant) random #\(i) \(text.unicodeScalars.map { String($0.value, radix: 16) }): \(m)") }
            }
            let decoded = tok.decode(ids, skipSpecialTokens: true)
            if decoded != want.decoded {
                failures += 1
                if failures <= 5 { Issue.record("\(variant) random #\(i) decode: got \(decoded.debugDescription) want \(want.decoded.debugDescription)") }
            }
        }
        #expect(failures == 0, "\(failures) of \(results.count) random strings differ")
    }

    @Test func precompiledCharsmapMatchesHF() throws {
        let fx = ReferenceFixture.shared
        let tok = try fx.tokenizer("unigram")
        guard case .precompiled(let map)? = tok.normalizer else {
            Issue.record("unigram tokenizer has no Precompiled normalizer"); return
        }
        let texts = fx.cases.map(\.text) + fx.random
        #expect(texts.count == fx.precompiled.count)
        var failures = 0
        for (i, (text, want)) in zip(texts, fx.precompiled).enumerated() {
            var out: [Unicode.Scalar] = []
            map.normalize(Array(text.unicodeScalars), into: &out)
            let got = String(String.UnicodeScalarView(out))
            if got != want {
                failures += 1
                if failures <= 5 {
                    Issue.record("#\(i): got \(got.unicodeScalars.map { String($0.value, radix: 16) }) want \(want.unicodeScalars.map { String($0.value, radix: 16) })")
                }
            }
        }
        #expect(failures == 0)
    }
}
