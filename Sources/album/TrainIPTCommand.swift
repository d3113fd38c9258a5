// `album train ipt`: IPT's intrinsic subspace tuning (spec §8): only z (d_I) trains, the prompt is Proj_b(z) of a
// frozen subspace (--subspace, from `album train ipt-subspace`); init N(0, 0.02²) or the projection Proj(P) of a
// trained static task's prompt. Writes an `ipt` task naming the subspace by name and content hash; with validation
// data also OUT/best.
import ArgumentParser
import Foundation
import Kernels
import Prompts
import Training

struct TrainIPTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ipt", abstract: "Intrinsic prompt tuning in an IPT subspace.")

    @OptionGroup var options: TrainOptions
    @Option(name: .long, help: "The ipt-subspace folder.") var subspace: String
    @Option(name: .customLong("subspace-name"), help: "The subspace's name in the tasks directory (default: its folder name).")
    var subspaceName: String?
    @Option(name: .long, help: "normal (N(0, 0.02²)) | project:TASKDIR (Proj of a static task's prompt).") var `init`: String = "normal"

    func run() async throws {
        let setup = try TrainingSetup(options, defaultLearningRate: 0.05)
        let url = URL(fileURLWithPath: subspace)
        let name = subspaceName ?? url.standardizedFileURL.lastPathComponent
        guard case .subspace(let loaded) = try ArtifactLoader.load(directory: url, name: name, version: 0, model: setup.info, albums: [:]) else {
            throw CLIError("\(subspace) is not an IPT subspace")
        }
        let autoencoder = loaded.autoencoder
        let initial: Tensor
        switch self.`init` {
        case "normal": initial = IPTPromptModel.normalInit(intrinsicDim: autoencoder.intrinsicDim, seed: options.seed)
        case let spec where spec.hasPrefix("project:"):
            let prompt = try TrainIPTSubspaceCommand.sourcePrompt(URL(fileURLWithPath: String(spec.dropFirst(8))), info: setup.info)
            guard prompt.shape == [autoencoder.promptLength, autoencoder.dModel] else {
                throw CLIError("--init \(spec): the prompt is \(prompt.shape), the subspace's is [\(autoencoder.promptLength), \(autoencoder.dModel)]")
            }
            initial = autoencoder.project(prompt.data)
        default:
            throw ValidationError("--init must be normal or project:TASKDIR")
        }
        let model = IPTPromptModel(autoencoder: autoencoder, initial: initial)
        let trainer = try setup.trainer(model)
        var manifest = setup.manifest
        manifest.kind = .ipt
        manifest.promptLength = autoencoder.promptLength
        manifest.ipt = IPTSettings(subspace: name, subspaceHash: loaded.hash)
        trainer.onBest = { _, _ in
            guard !setup.validation.isEmpty else { return }
            var best = manifest
            best.training = setup.metadata(trainer, kind: "ipt", extra: ["init": self.`init`])
            try TaskArtifacts.writeIPT(z: model.z.value, manifest: best, to: options.outURL.appendingPathComponent("best"))
        }
        try setup.run(trainer)
        manifest.training = setup.metadata(trainer, kind: "ipt", extra: ["init": self.`init`])
        try TaskArtifacts.writeIPT(z: model.z.value, manifest: manifest, to: options.outURL)
        print("wrote \(options.out) (ipt in \(name), d_I \(autoencoder.intrinsicDim), \(trainer.step) steps, loss \(trainer.losses.first.map { String(format: "%.4f", $0) } ?? "-") → \(trainer.losses.last.map { String(format: "%.4f", $0) } ?? "-"))")
    }
}
