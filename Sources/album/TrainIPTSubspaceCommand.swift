// `album train ipt-subspace`: IPT's multi-task subspace finding (spec §8): the frozen prompts of several source tasks
// (--source NAME=TASKDIR: a static task, or an album from `train source`, whose last snapshot is used) and each
// source's data (--data NAME=PATH) train the auto-encoder Proj/Proj_b (Training.IPTSubspaceModel). Writes a shared
// `ipt-subspace` artifact that `album train ipt` tasks name.
import ArgumentParser
import Foundation
import Kernels
import Prompts
import Training

struct TrainIPTSubspaceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ipt-subspace", abstract: "Find an IPT intrinsic subspace from several source prompts.")

    @OptionGroup var options: TrainOptions
    @Option(name: .long, help: "NAME=TASKDIR: a trained source (static task, or album: its last snapshot), repeated; NAME matches a --data NAME=PATH.")
    var source: [String] = []
    @Option(name: .customLong("intrinsic-dim"), help: "d_I, the length of z.") var intrinsicDim: Int = 8
    @Option(name: .long, help: "H, the hidden width of Proj_b (IPT's code: 768).") var hidden: Int = 128
    @Option(name: .long, help: "α, the weight of the reconstruction loss.") var alpha: Double = 200

    func run() async throws {
        guard intrinsicDim >= 1, hidden >= 1 else { throw ValidationError("--intrinsic-dim and --hidden must be ≥ 1") }
        guard alpha >= 0 && alpha.isFinite else { throw ValidationError("--alpha must be a finite number ≥ 0") }
        var folders: [String: URL] = [:]
        for item in source {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw ValidationError("--source takes NAME=TASKDIR, got '\(item)'")
            }
            folders[String(item[..<equals])] = URL(fileURLWithPath: String(item[item.index(after: equals)...]))
        }
        guard !folders.isEmpty else { throw ValidationError("give at least one --source NAME=TASKDIR") }
        // Each static source's task.json gives its data's template and labels (an album has none: --template/--labels).
        var options = self.options
        for (name, folder) in folders.sorted(by: { $0.key < $1.key }) where options.targetTaskJSON.allSatisfy({ !$0.hasPrefix(name + "=") }) {
            let manifest = try ArtifactLoader.manifest(of: folder)
            if manifest.kind == .staticPrompt && (manifest.template != nil || manifest.labels != nil) {
                options.targetTaskJSON.append("\(name)=\(folder.appendingPathComponent(TaskManifest.fileName).path)")
            }
        }
        let setup = try TrainingSetup(options, severalTargets: true, defaultLearningRate: 1e-3)
        let names = setup.targetNames
        let missing = names.filter { folders[$0] == nil } + folders.keys.filter { !names.contains($0) }.sorted()
        if folders.count != names.count || !missing.isEmpty {
            throw ValidationError("every --source NAME needs a --data NAME=PATH and the reverse; unmatched: \(missing)")
        }
        let prompts = try names.map { name throws -> Tensor in try Self.sourcePrompt(folders[name]!, info: setup.info) }
        guard prompts.allSatisfy({ $0.shape == prompts[0].shape }) else {
            throw CLIError("the source prompts differ in shape: \(zip(names, prompts).map { "\($0)=\($1.shape)" })")
        }
        let model = IPTSubspaceModel(sources: prompts, intrinsicDim: intrinsicDim, hidden: hidden, alpha: alpha, seed: options.seed)
        let before = names.indices.map { model.reconstructionLoss(task: $0) / max(alpha, .leastNonzeroMagnitude) }
        let trainer = try setup.trainer(model)
        try setup.run(trainer)
        let after = names.indices.map { model.reconstructionLoss(task: $0) / max(alpha, .leastNonzeroMagnitude) }
        var manifest = TaskManifest(kind: .iptSubspace)
        manifest.name = options.name ?? options.outURL.lastPathComponent
        manifest.baseModel = setup.manifest.baseModel
        manifest.description = "IPT subspace (d_I \(intrinsicDim), H \(hidden)) of \(names.joined(separator: ", "))."
        manifest.training = setup.metadata(trainer, kind: "ipt-subspace", extra: [
            "intrinsicDim": "\(intrinsicDim)", "hidden": "\(hidden)", "alpha": "\(alpha)",
            "reconstructionMSE": after.map { String(format: "%.6g", $0) }.joined(separator: ","),
        ])
        let hash = try TaskArtifacts.writeSubspace(model.autoencoder, sources: names, alpha: alpha, manifest: manifest, to: options.outURL)
        let mean = { (values: [Double]) in String(format: "%.6g", values.reduce(0, +) / Double(values.count)) }
        print("wrote \(options.out) (ipt-subspace \(hash.prefix(19))…, \(trainer.step) steps, loss \(trainer.losses.first.map { String(format: "%.4f", $0) } ?? "-") → \(trainer.losses.last.map { String(format: "%.4f", $0) } ?? "-"), reconstruction MSE \(mean(before)) → \(mean(after)))")
    }

    /// The frozen prompt of a source folder: a static task's prompt, or an album's last snapshot (highest step).
    static func sourcePrompt(_ folder: URL, info: BaseModelInfo) throws -> Tensor {
        switch try ArtifactLoader.load(directory: folder, name: folder.lastPathComponent, version: 0, model: info, albums: [:]) {
        case .task(let task):
            guard case .fixed(let prompt) = task.prompt else { throw CLIError("\(folder.path): an SPE task has no single prompt") }
            return prompt
        case .album(let album):
            let last = album.entries.indices.max { (album.entries[$0].step ?? 0, album.entries[$0].fraction ?? 0) < (album.entries[$1].step ?? 0, album.entries[$1].fraction ?? 0) } ?? 0
            let size = album.promptLength * album.dModel
            return Tensor(shape: [album.promptLength, album.dModel],
                          values: Array(UnsafeBufferPointer(start: album.prompts.data + last * size, count: size)))
        case .subspace:
            throw CLIError("\(folder.path) is an IPT subspace, not a source task")
        }
    }
}
