// `album bench` section: tokenizer throughput (TokenizerBench) on the checkpoint's own tokenizer, or on the bundled
// default model's tokenizer when the benchmarked model has none (random shapes).
import Foundation
import Tokenization

struct TokenizerSection: BenchSection {
    let title = "Tokenizer throughput (MB/s, next to HF tokenizers when python3 has it)"

    func run(_ context: BenchContext) throws -> [String] {
        let candidates = [context.modelDirectory, URL(fileURLWithPath: "models/default")].compactMap { $0 }
        guard let directory = candidates.first(where: Self.hasTokenizer) else {
            return ["(skipped: no tokenizer.json or spiece.model in the model directory or models/default)"]
        }
        let tokenizer = try Tokenizer.load(directory: directory)
        let report = try TokenizerBench.run(tokenizer: tokenizer, directory: directory,
                                            megabytes: context.tokenizerMegabytes, repeats: context.repeats)
        return ["tokenizer: \(directory.path)", ""] + report.markdown.split(separator: "\n").map(String.init)
    }

    static func hasTokenizer(_ directory: URL) -> Bool {
        ["tokenizer.json", "spiece.model"].contains {
            FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path)
        }
    }
}
