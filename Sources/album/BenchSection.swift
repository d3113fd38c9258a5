// The pluggable parts of `album bench`: each section measures one thing and returns markdown lines.
// To add a section, conform a type to `BenchSection` and append it to `BenchSections.all`.
import Foundation
import T5

/// What every section may use: the model under test and the workload shape from the command line.
struct BenchContext {
    let model: T5Model
    /// "random t5-small shape" or the checkpoint directory.
    let modelLabel: String
    /// The checkpoint directory when benchmarking a real checkpoint; nil for random shapes.
    let modelDirectory: URL?
    /// Encoder tokens per request (prompt + input).
    let length: Int
    let batchSizes: [Int]
    /// Decode steps timed per batch.
    let steps: Int
    /// Best-of-N repetitions.
    let repeats: Int
    /// Size of the tokenizer benchmark's text in MB.
    let tokenizerMegabytes: Double
    /// Soft-prompt positions of the prompt sections (part of `length`).
    var promptLength = 100
    /// Resident memory read right after the model was built or loaded.
    var memoryAfterLoad: ResidentMemory? = nil
}

protocol BenchSection: Sendable {
    var title: String { get }
    /// Markdown lines (usually a table) for this section.
    func run(_ context: BenchContext) throws -> [String]
}

extension BenchSection {
    /// Name for `--sections`: the type's name without "Section"/"BenchSection", lowercased (e.g. `request`).
    var key: String {
        var name = String(describing: type(of: self))
        for suffix in ["BenchSection", "Section"] where name.hasSuffix(suffix) { name.removeLast(suffix.count); break }
        return name.lowercased()
    }
}

enum BenchSections {
    /// Sections in report order. Other modules' benchmarks are appended here.
    static let all: [any BenchSection] = [
        MachineSection(), GemmSection(), EncoderSection(), DecoderSection(), RequestSection(), MemoryBenchSection(),
        LMHeadBenchSection(), SPEBenchSection(), TokenizerSection(),
    ]
}

enum BenchTimer {
    /// Best wall time in seconds of `repeats` runs of `body` (after one warm-up run).
    static func best(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
        try body()
        var best = Double.infinity
        for _ in 0..<max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return best
    }

    static func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
}
