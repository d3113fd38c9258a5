// Options shared by the model commands (generate, score, inspect, bench) and helpers they use: parsing id lists,
// loading the checkpoint and its tokenizer, and printing JSON with stable key order.
import ArgumentParser
import Foundation
import Kernels
import T5
import Tokenization

extension Precision: ExpressibleByArgument {}

struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "Checkpoint directory (config.json + model.safetensors or sharded index).")
    var model: String

    @Option(name: .long, help: "OpenBLAS threads per call (default: OpenBLAS's own choice).")
    var threads: Int?

    @Option(help: "Linear-layer precision: fp32, bf16 or int8. Default: fp32.")
    var precision: Precision = .fp32

    var directory: URL { URL(fileURLWithPath: model) }

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be ≥ 1") }
    }

    /// Applies --threads and loads the model.
    func loadModel() throws -> T5Model {
        KernelThreads.configure(threads: threads ?? BLAS.threads, precision: precision)
        return try T5Model.load(directory: directory, precision: precision)
    }

    /// The checkpoint's tokenizer, or a clear error when the directory has none.
    func loadTokenizer(for option: String) throws -> Tokenizer {
        do {
            return try Tokenizer.load(directory: directory)
        } catch {
            throw CLIError("\(option) needs a tokenizer, but none could be loaded from \(model): \(error)")
        }
    }

    /// The tokenizer when present (to render text), else nil.
    func optionalTokenizer() -> Tokenizer? { try? Tokenizer.load(directory: directory) }
}

/// A command-line error with a plain message (printed as "Error: <message>").
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

enum IDList {
    /// Parses "1,2,3" (spaces allowed) into ids, exactly as given.
    static func parse(_ text: String, option: String) throws -> [Int32] {
        var ids: [Int32] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            guard let id = Int32(trimmed) else { throw CLIError("\(option): '\(trimmed)' is not an integer token id") }
            ids.append(id)
        }
        guard !ids.isEmpty else { throw CLIError("\(option) is empty") }
        return ids
    }
}

enum JSONOutput {
    /// One-line JSON with sorted keys and unescaped slashes.
    static func render<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
