// The public API on the committed T5-style unigram tokenizer: literal ids recorded from transformers, special
// token handling, decoding, vocabulary accessors and clear errors for bad input and unsupported files.
import Foundation
import Testing
@testable import Tokenization

@Suite struct TokenizerAPITests {
    static let unigramDir = ReferenceFixture.root.appendingPathComponent("unigram")

    @Test func t5PromptIDs() throws {
        let tok = try Tokenizer.load(directory: Self.unigramDir)
        // transformers 5.23 T5Tokenizer on this directory.
        let text = "translate English to German: The house is wonderful."
        let want: [Int32] = [318, 265, 51, 3, 1915, 26, 258, 11, 61, 152, 28, 3, 246, 1999, 26, 55, 4, 1]
        #expect(tok.encode(text) == want)
        #expect(tok.encode(text, addSpecialTokens: false) == Array(want.dropLast()))
        #expect(tok.decode(want, skipSpecialTokens: true) == text)
        #expect(tok.decode(want, skipSpecialTokens: false) == text + "</s>")
        #expect(tok.tokens([318, 3, 1]) == ["\u{2581}translate", "\u{2581}", "</s>"])
    }

    @Test func specialTokensAndAccessors() throws {
        let tok = try Tokenizer.load(directory: Self.unigramDir)
        #expect(tok.encode("The <extra_id_0> walks") == [61, 2099, 3, 1991, 8, 19, 1993, 30, 1])
        #expect(tok.decode([61, 2099, 3, 1991, 8, 19, 1993, 30, 1], skipSpecialTokens: true) == "The walks")
        #expect(tok.encode("") == [1])
        #expect(tok.vocabSize == 2100)
        #expect(tok.eosTokenID == 1)
        #expect(tok.padTokenID == 0)
        #expect(tok.id(of: "<unk>") == 2)
        #expect(tok.id(of: "<extra_id_0>") == 2099)
        #expect(tok.id(of: "no such token") == nil)
        #expect(tok.tokens([99_999]) == [""])
        #expect(tok.decode([99_999, -1], skipSpecialTokens: true) == "")
    }

    @Test func invalidUTF8IsAClearError() throws {
        let tok = try Tokenizer.load(directory: Self.unigramDir)
        #expect(try tok.encode(utf8: Array("Hi".utf8)) == tok.encode("Hi"))
        #expect(throws: TokenizationError.invalidUTF8(offset: 2)) { try tok.encode(utf8: [0x48, 0x69, 0xFF, 0x41]) }
        #expect(throws: TokenizationError.invalidUTF8(offset: 1)) { try Tokenizer.string(fromUTF8: [0x41, 0xE4, 0xBD]) }
        #expect(throws: TokenizationError.invalidUTF8(offset: 0)) { try Tokenizer.string(fromUTF8: [0xC0, 0x80]) }
    }

    @Test func unknownComponentTypesAreNamed() throws {
        let src = try String(contentsOf: ReferenceFixture.root.appendingPathComponent("unigram-bf/tokenizer.json"), encoding: .utf8)
        let cases: [(String, String, TokenizationError)] = [
            ("\"type\":\"Strip\",\"strip_left\"", "\"type\":\"Fancy\",\"strip_left\"", .unsupportedNormalizer(type: "Fancy")),
            ("\"pre_tokenizer\":{\"type\":\"Metaspace\"", "\"pre_tokenizer\":{\"type\":\"ByteLevel\"", .unsupportedPreTokenizer(type: "ByteLevel")),
            ("{\"type\":\"ByteFallback\"}", "{\"type\":\"CTC\"}", .unsupportedDecoder(type: "CTC")),
            ("\"type\":\"Unigram\"", "\"type\":\"WordPiece\"", .unsupportedModel(type: "WordPiece")),
        ]
        for (from, to, error) in cases {
            #expect(src.contains(from), "fixture shape changed: \(from)")
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("album-bad-\(UUID().uuidString).json")
            try src.replacingOccurrences(of: from, with: to).write(to: url, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: url) }
            #expect(throws: error) { try Tokenizer.load(tokenizerJSON: url) }
            #expect(error.description.contains(to.contains("WordPiece") ? "WordPiece" : String(to.split(separator: "\"")[2])))
        }
    }

    @Test func missingAndBrokenFiles() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("album-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        #expect(throws: TokenizationError.noTokenizerFiles(directory: tmp.path)) { try Tokenizer.load(directory: tmp) }
        try Data("{not json".utf8).write(to: tmp.appendingPathComponent("tokenizer.json"))
        #expect {
            try Tokenizer.load(directory: tmp)
        } throws: { e in
            // The JSON reader's wording differs between platforms; the case and the file are exact.
            guard case .malformedJSON(let p, _) = e as? TokenizationError else { return false }
            return p == tmp.appendingPathComponent("tokenizer.json").path
        }
        try FileManager.default.removeItem(at: tmp.appendingPathComponent("tokenizer.json"))
        // Field 1 (a piece) says 5 bytes follow; 2 do.
        try Data([0x0A, 0x05, 0x0A, 0x03]).write(to: tmp.appendingPathComponent("spiece.model"))
        #expect(throws: TokenizationError.malformedSentencePiece(path: tmp.appendingPathComponent("spiece.model").path,
                                                                 reason: "length 5 past the end")) {
            try Tokenizer.load(directory: tmp)
        }
    }

    @Test func concurrentUseGivesSameIDs() async throws {
        let tok = try Tokenizer.load(directory: Self.unigramDir)
        let texts = ReferenceFixture.shared.cases.map(\.text)
        let serial = texts.map { tok.encode($0) }
        let parallel = await withTaskGroup(of: (Int, [Int32]).self) { group in
            for (i, t) in texts.enumerated() { group.addTask { (i, tok.encode(t)) } }
            var out = [[Int32]](repeating: [], count: texts.count)
            for await (i, ids) in group { out[i] = ids }
            return out
        }
        #expect(parallel == serial)
    }

    /// Canonically equivalent pieces ("ó" vs "o" + U+0301) are different vocabulary entries, as in HF (Swift String
    /// equality would merge them).
    @Test func canonicallyEquivalentPiecesStayDistinct() throws {
        let json = #"""
            {"model":{"type":"Unigram","unk_id":0,"vocab":[["<unk>",0.0],["\u00f3",-1.0],["o\u0301",-1.0],["o",-2.0]]},
             "added_tokens":[],"normalizer":null,"pre_tokenizer":null,"post_processor":null,"decoder":null}
            """#
        let bpe = #"""
            {"model":{"type":"BPE","unk_token":"<unk>","fuse_unk":true,"vocab":{"<unk>":0,"\u00f3":1,"o":2,"\u0301":3,"o\u0301":4},
             "merges":[["o","\u0301"]]},"added_tokens":[],"normalizer":null,"pre_tokenizer":null,"post_processor":null,"decoder":null}
            """#
        for (text, name) in [(json, "unigram"), (bpe, "bpe")] {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("album-nfc-\(name)-\(UUID().uuidString).json")
            try text.write(to: url, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: url) }
            let tok = try Tokenizer.load(tokenizerJSON: url)
            let pre = tok.encode("\u{F3}"), de = tok.encode("o\u{301}")
            #expect(pre == [1], "\(name) precomposed")
            #expect(de == (name == "bpe" ? [4] : [2]), "\(name) decomposed")
            #expect(tok.id(of: "\u{F3}") == 1)
        }
    }
}
