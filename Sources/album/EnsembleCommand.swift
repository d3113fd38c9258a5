// `album ensemble build --out DIR [--name NAME] [--combine vote|sum-logprobs] [--model DIR] TASKDIR TASKDIR ...`:
// one ensemble task (docs/task-format.md, kind `ensemble`) from K static task folders of the same task.
import ArgumentParser
import Foundation
import Prompts
import Training

struct EnsembleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ensemble", abstract: "Build prompt ensembles.",
                                                    subcommands: [Build.self])

    struct Build: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Join K static task folders of one task (same template, labels, prompt shape) into an ensemble task.")
        @Option(name: .long, help: "Output task folder (absent or empty).") var out: String
        @Option(name: .long, help: "Task name in task.json (default: the folder name).") var name: String?
        @Option(name: .long, help: "How members combine: vote or sum-logprobs.") var combine = "vote"
        @Option(name: .long, help: "Checkpoint the members are validated against.") var model: String = "models/default"
        @Argument(help: "Static task folders (e.g. `album train prompt` runs with different seeds), in member order.")
        var members: [String]

        func run() async throws {
            guard let combine = EnsembleCombine(rawValue: combine) else {
                throw ValidationError("--combine must be one of \(EnsembleCombine.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let info = try BaseModelInfo(checkpoint: URL(fileURLWithPath: model))
            let manifest = try EnsembleBuilder.build(members: members.map { URL(fileURLWithPath: $0) }, name: name,
                                                     combine: combine, model: info, to: URL(fileURLWithPath: out))
            print("wrote \(out) (\(members.count) members, \(combine.rawValue), prompt \(manifest.promptLength ?? 0)×\(info.dModel))")
        }
    }
}
