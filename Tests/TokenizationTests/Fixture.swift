// Loads Tests/Fixtures/tokenizer/cases.json (written by make_tokenizer_fixtures.py from HF tokenizers/transformers)
// and the tokenizers it describes.
import Foundation
@testable import Tokenization

/// Reference results recorded by the fixture script.
struct ReferenceFixture: Decodable, Sendable {
    struct Case: Decodable, Sendable { let name: String; let text: String }
    struct Result: Decodable, Sendable {
        let ids: [Int32]
        let decoded: String
        let tokens: [String]?
        let decoded_with_special: String?
    }
    struct Variant: Decodable, Sendable {
        let directory: String
        let file: String
        let cases: [Result]
        let random: [Result]
    }
    let versions: [String: String]
    let cases: [Case]
    let random: [String]
    let variants: [String: Variant]
    let precompiled: [String]

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tokenizer")

    static let shared: ReferenceFixture = {
        let data = try! Data(contentsOf: root.appendingPathComponent("cases.json"))
        return try! JSONDecoder().decode(ReferenceFixture.self, from: data)
    }()

    /// The tokenizer a variant was recorded with.
    func tokenizer(_ name: String) throws -> Tokenizer {
        let v = variants[name]!
        let dir = Self.root.appendingPathComponent(v.directory)
        switch v.file {
        case "spiece.model":
            // Only spiece.model: copy it alone to a temporary directory so tokenizer.json is not used.
            let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("album-spiece-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: dir.appendingPathComponent("spiece.model"),
                                             to: tmp.appendingPathComponent("spiece.model"))
            defer { try? FileManager.default.removeItem(at: tmp) }
            return try Tokenizer.load(directory: tmp)
        case "tokenizer.json" where FileManager.default.fileExists(atPath: dir.appendingPathComponent("tokenizer_config.json").path):
            return try Tokenizer.load(directory: dir)
        default:
            return try Tokenizer.load(tokenizerJSON: dir.appendingPathComponent(v.file))
        }
    }
}

/// A readable description of the first difference between two id lists.
func firstMismatch(_ got: [Int32], _ want: [Int32]) -> String? {
    if got == want { return nil }
    let i = (0..<min(got.count, want.count)).first { got[$0] != want[$0] } ?? min(got.count, want.count)
    return "first mismatch at index \(i): got \(i < got.count ? "\(got[i])" : "end") want \(i < want.count ? "\(want[i])" : "end") (lengths \(got.count) vs \(want.count))"
}
