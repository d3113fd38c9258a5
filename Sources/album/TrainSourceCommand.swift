// `album train source`: prompt tuning of an SPE source task (spec §7.1) with snapshots of the prompt at
// ⌈f·S⌉ optimizer steps for each fraction f of --snapshots (spec §9 #8: final-step weights at 1.0), written as an
// album artifact (one entry per snapshot). Source tasks train independently: run one process per task (see README),
// then `album album build` joins their albums.
import ArgumentParser
import Foundation
import Kernels
import Prompts
import Training

struct TrainSourceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "source", abstract: "Train an SPE source task with snapshots.")

    @OptionGroup var options: TrainOptions
    @Option(name: .long, help: "Fractions of training at which to snapshot the prompt.") var snapshots: String = "0.6,0.8,1.0"
    @Option(name: .long, help: "vocab | random.") var `init`: String = "vocab"

    func run() async throws {
        let fractions = try snapshots.split(separator: ",").map { text -> Double in
            guard let f = Double(text.trimmingCharacters(in: .whitespaces)), f > 0, f <= 1 else {
                throw ValidationError("--snapshots: '\(text)' is not a fraction in (0, 1]")
            }
            return f
        }
        let setup = try TrainingSetup(options)
        let initial = self.`init` == "random"
            ? PromptInitializer.random(length: options.promptLength, dModel: setup.info.dModel, seed: options.seed)
            : try PromptInitializer.vocab(model: setup.model, length: options.promptLength, seed: options.seed)
        let prompt = StaticPromptModel(initial: initial)
        let trainer = try setup.trainer(prompt)
        let marks = fractions.map { max(1, Int((($0 * Double(trainer.totalSteps)) - 1e-9).rounded(.up))) }
        trainer.snapshotSteps = Set(marks)
        trainer.onSnapshot = { step, trainer in trainer.extra["snapshot.\(step)"] = prompt.prompt.value.clone() }
        try setup.run(trainer)
        let name = options.name ?? options.outURL.lastPathComponent
        var values: [Float] = []
        var entries: [AlbumEntry] = []
        for (fraction, step) in zip(fractions, marks) {
            guard let snapshot = trainer.extra["snapshot.\(step)"] else { throw CLIError("snapshot at step \(step) is missing") }
            values += snapshot.array
            entries.append(AlbumEntry(sourceTask: name, fraction: fraction, step: step))
        }
        var manifest = setup.manifest
        manifest.template = nil
        manifest.labels = nil
        manifest.decoding = nil
        manifest.maxInputTokens = nil
        manifest.description = "Source prompt snapshots of \(name) at steps \(marks.map(String.init).joined(separator: ", "))."
        manifest.training = setup.metadata(trainer, kind: "source", extra: ["snapshots": snapshots])
        try TaskArtifacts.writeAlbum(prompts: Tensor(shape: [entries.count, options.promptLength, setup.info.dModel], values: values),
                                     entries: entries, manifest: manifest, to: options.outURL)
        print("wrote \(options.out) (album of \(entries.count) snapshots at steps \(marks.map(String.init).joined(separator: ",")))")
    }
}
