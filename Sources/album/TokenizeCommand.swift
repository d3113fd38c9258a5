// `album tokenize`: text -> ids/tokens, ids -> text, or the tokenizer throughput benchmark, for a directory that
// holds a checkpoint's tokenizer files (tokenizer.json or spiece.model; no weights needed).
import ArgumentParser
import Foundation
import Tokenization

struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize", abstract: "Tokenize or decode text.",
        discussion: """
            album tokenize --model DIR --text "Hello" [--json]     ids and tokens (with </s>, as transformers)
            album tokenize --model DIR --decode 1,2,3              text, special tokens skipped
            album tokenize --model DIR --bench [--megabytes 4]     MB/s, next to HF tokenizers when installed
            """)

    @Option(name: .long, help: "Directory with tokenizer.json or spiece.model (+ tokenizer_config.json).")
    var model: String

    @Option(name: .long, help: "Text to tokenize.")
    var text: String?

    @Option(name: .long, help: "Comma-separated ids to decode.")
    var decode: String?

    @Flag(name: .long, help: "Print {\"ids\": [...], \"tokens\": [...]} as JSON.")
    var json = false

    @Flag(name: .long, help: "Do not add the post-processor's special tokens (</s>) when encoding.")
    var noSpecialTokens = false

    @Flag(name: .long, help: "Keep special tokens when decoding.")
    var keepSpecialTokens = false

    @Flag(name: .long, help: "Measure tokenizer throughput on generated mixed-language text.")
    var bench = false

    @Option(name: .long, help: "Size of the benchmark text in MB.")
    var megabytes: Double = 4

    func validate() throws {
        let modes = [text != nil, decode != nil, bench].filter { $0 }.count
        guard modes == 1 else { throw ValidationError("give exactly one of --text, --decode or --bench") }
        guard megabytes > 0 && megabytes <= 512 else { throw ValidationError("--megabytes must be in (0, 512]") }
    }

    func run() async throws {
        let tokenizer = try Tokenizer.load(directory: URL(fileURLWithPath: model))
        if let text {
            let ids = tokenizer.encode(text, addSpecialTokens: !noSpecialTokens)
            print(try Self.render(ids: ids, tokens: tokenizer.tokens(ids), json: json))
        } else if let decode {
            var ids: [Int32] = []
            for part in decode.split(separator: ",") {
                guard let id = Int32(part.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("--decode: '\(part)' is not an integer id")
                }
                ids.append(id)
            }
            print(tokenizer.decode(ids, skipSpecialTokens: !keepSpecialTokens))
        } else {
            let report = try TokenizerBench.run(tokenizer: tokenizer, directory: URL(fileURLWithPath: model),
                                                megabytes: megabytes)
            print(report.markdown)
        }
    }

    /// `{"ids":[...],"tokens":[...]}` or two readable lines.
    static func render(ids: [Int32], tokens: [String], json: Bool) throws -> String {
        struct Output: Encodable { let ids: [Int32]; let tokens: [String] }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(Output(ids: ids, tokens: tokens)), as: UTF8.self)
        }
        return "ids: \(ids.map(String.init).joined(separator: " "))\ntokens: \(tokens.map { $0.debugDescription }.joined(separator: " "))"
    }
}
