// The bundled demo tokenizer (models/default: tokenizer.json, and spiece.model alone) against transformers'
// T5Tokenizer on the same files: ids, tokens and decodes for edge-case texts and for every demo request
// (goldens written by `python3 models/make_demo.py --goldens-only`).
import Foundation
import Testing
import TestSupport
@testable import Tokenization

@Suite struct DemoTokenizerTests {
    struct Golden: Decodable {
        struct Text: Decodable { let text: String; let ids: [Int32]; let tokens: [String]; let decoded: String }
        struct Candidate: Decodable { let text: String; let ids: [Int32] }
        struct Case: Decodable { let formatted: String; let inputIDs: [Int32]; let candidates: [Candidate] }
        let tokenizer: [Text]
        let cases: [Case]
    }

    static let golden = try! JSONDecoder().decode(Golden.self, from: Data(contentsOf: Fixtures.url("demo/golden.json")))
    static let modelDirectory = Fixtures.directory().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("models/default")

    /// Every (text, ids) pair the golden holds: the edge cases, the demo requests and their candidate labels.
    static var allTexts: [(String, [Int32])] {
        golden.tokenizer.map { ($0.text, $0.ids) } + golden.cases.map { ($0.formatted, $0.inputIDs) }
            + golden.cases.flatMap { $0.candidates.map { ($0.text, $0.ids) } }
    }

    @Test(arguments: ["tokenizer.json", "spiece.model"])
    func idsMatchTransformers(file: String) throws {
        let tokenizer: Tokenizer
        if file == "spiece.model" {
            let only = try Fixtures.temporaryDirectory("album-demo-spiece")
            defer { try? FileManager.default.removeItem(at: only) }
            try FileManager.default.copyItem(at: Self.modelDirectory.appendingPathComponent(file),
                                             to: only.appendingPathComponent(file))
            tokenizer = try Tokenizer.load(directory: only)
        } else {
            tokenizer = try Tokenizer.load(directory: Self.modelDirectory)
        }
        #expect(Self.allTexts.count >= 40)
        for (text, ids) in Self.allTexts {
            let got = tokenizer.encode(text)
            #expect(firstMismatch(got, ids) == nil, "\(file) \(text.debugDescription): \(firstMismatch(got, ids) ?? "")")
        }
        for t in Self.golden.tokenizer {
            #expect(tokenizer.tokens(t.ids) == t.tokens, "\(file) tokens of \(t.text.debugDescription)")
            #expect(tokenizer.decode(t.ids, skipSpecialTokens: true) == t.decoded, "\(file) decode of \(t.text.debugDescription)")
        }
    }
}
