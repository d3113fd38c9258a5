// `album similarity`: SPoT task similarity (spec §5) of a target prompt to candidate prompts (static tasks, PEFT
// adapters, .npy files, or every entry of an album), both published metrics, ranked by the chosen one.
import ArgumentParser
import Foundation
import Kernels
import Prompts
import Training

struct SimilarityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "similarity", abstract: "SPoT similarity of prompts.")

    @Option(name: .long, help: "Checkpoint the prompts belong to.") var model: String
    @Option(name: .long, help: "The target's prompt (task embedding): a static task folder, PEFT adapter or .npy.") var target: String
    @Option(name: .long, help: "Comma-separated candidate folders (static tasks or albums) or .npy files.") var candidates: String
    @Option(name: .long, help: "Ranking metric: average-cosine | per-token-cosine.") var metric: String = "per-token-cosine"
    @Flag(name: .long, help: "Print JSON.") var json = false

    struct Row: Encodable {
        let candidate: String
        let average_cosine: Double
        let per_token_cosine: Double
    }

    func run() async throws {
        guard let metric = PromptSimilarity.Metric(rawValue: metric) else { throw ValidationError("--metric: average-cosine or per-token-cosine") }
        let info = try BaseModelInfo(checkpoint: URL(fileURLWithPath: model))
        let targetPrompt = try Self.candidatePrompts([target], info: info, length: nil)
        guard let probe = targetPrompt.first?.prompt else { throw CLIError("no prompt in \(target)") }
        let rows = try Self.candidatePrompts(candidates.split(separator: ",").map(String.init), info: info, length: nil).map {
            Row(candidate: $0.label, average_cosine: PromptSimilarity.similarity(probe, $0.prompt, metric: .averageCosine),
                per_token_cosine: PromptSimilarity.similarity(probe, $0.prompt, metric: .perTokenCosine))
        }.sorted { metric == .averageCosine ? $0.average_cosine > $1.average_cosine : $0.per_token_cosine > $1.per_token_cosine }
        if json {
            print(try JSONOutput.render(rows))
        } else {
            print("RANK\tCANDIDATE\tAVERAGE_COSINE\tPER_TOKEN_COSINE")
            for (i, row) in rows.enumerated() {
                print("\(i + 1)\t\(row.candidate)\t\(String(format: "%.6f", row.average_cosine))\t\(String(format: "%.6f", row.per_token_cosine))")
            }
        }
    }

    /// Every prompt in `paths`: one per static task or file, one per album entry ("album#i (source@fraction)").
    static func candidatePrompts(_ paths: [String], info: BaseModelInfo, length: Int?) throws -> [(label: String, prompt: Tensor)] {
        var out: [(label: String, prompt: Tensor)] = []
        for path in paths {
            let url = URL(fileURLWithPath: path)
            if !path.hasSuffix(".npy"), case .album(let album) = try ArtifactLoader.load(directory: url, name: url.lastPathComponent,
                                                                                        version: 0, model: info, albums: [:]) {
                for i in 0..<album.count {
                    let entry = album.entries.indices.contains(i) ? album.entries[i] : AlbumEntry(sourceTask: "?")
                    out.append(("\(path)#\(i) (\(entry.sourceTask)@\(entry.fraction.map { "\($0)" } ?? "?"))",
                                PromptInitializer.albumEntry(album, i)))
                }
            } else if let length {
                out.append((path, try PromptInitializer.file(path, model: info, length: length)))
            } else {
                out.append((path, try PromptInitializer.file(path, model: info)))
            }
        }
        return out
    }
}
