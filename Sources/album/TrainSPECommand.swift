// `album train spe`: an SPE target task against an album (spec §7.2): P_task (a copy of an album entry by default,
// spec §9 #10, or vocab) and G train; ablations --no-snapshots (only each source's final snapshot, written as a
// smaller album next to the task), --no-attention (equal weights), --no-task-prompt, and ATTEMPT mode
// (--include-task-in-attention). Several `--data NAME=PATH` train several targets at once with one shared G and
// mixed-task mini-batches (ATTEMPT §3.3); each target is written to OUT/NAME.
import ArgumentParser
import Foundation
import Kernels
import Prompts
import Training

struct TrainSPECommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "spe", abstract: "Train an SPE target task against an album.")

    @OptionGroup var options: TrainOptions
    @Option(name: .long, help: "Album folder (kind album).") var album: String
    @Option(name: .customLong("album-name"), help: "Name of the album in the tasks directory (default: its folder name).") var albumName: String?
    @Option(name: .customLong("task-init"), help: "entry:N (album entry N), final (first source's last snapshot) or vocab.") var taskInit: String = "final"
    @Option(name: .long, help: "Bottleneck r of G.") var bottleneck: Int = 100
    @Option(name: .long, help: "Softmax temperature (default d·e).") var temperature: Double?
    @Flag(name: .customLong("no-snapshots"), help: "Use only each source's final snapshot (writes OUT-album).") var noSnapshots = false
    @Flag(name: .customLong("no-attention"), help: "Equal weights over the album (G does not train).") var noAttention = false
    @Flag(name: .customLong("no-task-prompt"), help: "No P_task (zeros, frozen).") var noTaskPrompt = false
    @Flag(name: .customLong("include-task-in-attention"), help: "ATTEMPT mode: P_task is candidate M+1.") var includeTask = false

    func run() async throws {
        guard bottleneck >= 1 else { throw ValidationError("--bottleneck must be ≥ 1") }
        if noAttention && includeTask { throw ValidationError("--no-attention and --include-task-in-attention exclude each other") }
        if noAttention && noTaskPrompt { throw ValidationError("--no-attention with --no-task-prompt leaves nothing to train") }
        let setup = try TrainingSetup(options, severalTargets: true)
        let multi = setup.targetNames.count > 1
        if multi && (noAttention || noTaskPrompt || options.validation != nil) {
            throw ValidationError("several targets: --no-attention, --no-task-prompt and --validation are single-target only")
        }
        let albumURL = URL(fileURLWithPath: album)
        var albumName = albumName ?? albumURL.lastPathComponent
        guard case .album(var loaded) = try ArtifactLoader.load(directory: albumURL, name: albumName, version: 0, model: setup.info, albums: [:]) else {
            throw CLIError("\(album) is not an album")
        }
        guard loaded.promptLength == options.promptLength else {
            throw CLIError("the album's prompts have \(loaded.promptLength) rows; pass --prompt-length \(loaded.promptLength)")
        }
        if noSnapshots {
            var last: [String: Int] = [:]
            for (i, entry) in loaded.entries.enumerated() {
                if let j = last[entry.sourceTask], (loaded.entries[j].step ?? 0) >= (entry.step ?? 0) { continue }
                last[entry.sourceTask] = i
            }
            let keep = loaded.entries.indices.filter { last.values.contains($0) }
            let size = loaded.promptLength * loaded.dModel
            let values = keep.flatMap { Array(UnsafeBufferPointer(start: loaded.prompts.data + $0 * size, count: size)) }
            let subURL = URL(fileURLWithPath: options.out + "-album")
            albumName = subURL.lastPathComponent
            var manifest = TaskManifest(kind: .album)
            manifest.name = albumName
            manifest.baseModel = setup.manifest.baseModel
            try TaskArtifacts.writeAlbum(prompts: Tensor(shape: [keep.count, loaded.promptLength, loaded.dModel], values: values),
                                         entries: keep.map { loaded.entries[$0] }, manifest: manifest, to: subURL)
            guard case .album(let sub) = try ArtifactLoader.load(directory: subURL, name: albumName, version: 0, model: setup.info, albums: [:]) else {
                throw CLIError("cannot load \(subURL.path)")
            }
            loaded = sub
        }
        let taskPrompt: Tensor
        switch taskInit {
        case "vocab": taskPrompt = try PromptInitializer.vocab(model: setup.model, length: options.promptLength, seed: options.seed)
        case "final":
            let first = loaded.entries.first?.sourceTask
            let index = loaded.entries.indices.last { loaded.entries[$0].sourceTask == first } ?? 0
            taskPrompt = PromptInitializer.albumEntry(loaded, index)
        case let spec where spec.hasPrefix("entry:"):
            guard let index = Int(spec.dropFirst(6)), loaded.entries.indices.contains(index) || (index >= 0 && index < loaded.count) else {
                throw ValidationError("--task-init entry:N: N must name one of the album's \(loaded.count) entries")
            }
            taskPrompt = PromptInitializer.albumEntry(loaded, index)
        default: throw ValidationError("--task-init must be final, entry:N or vocab")
        }
        let d = Double(setup.info.dModel)
        let temperature = temperature ?? d * exp(1)
        guard temperature > 0, temperature.isFinite else { throw ValidationError("--temperature must be positive") }
        if multi {
            try trainSeveral(setup, album: loaded, albumName: albumName, taskPrompt: taskPrompt, temperature: temperature)
            return
        }
        let spe = SPEPromptModel(model: setup.model, album: loaded, taskPrompt: taskPrompt, bottleneck: bottleneck,
                                 temperature: Float(temperature), includeTaskInAttention: includeTask,
                                 noAttention: noAttention, noTaskPrompt: noTaskPrompt, seed: options.seed)
        let trainer = try setup.trainer(spe)
        var manifest = setup.manifest
        manifest.kind = .spe
        manifest.spe = SPESettings(album: albumName, albumHash: loaded.hash, temperature: temperature, pooling: .max,
                                   includeTaskInAttention: includeTask)
        let extra = ["taskInit": taskInit, "noSnapshots": "\(noSnapshots)", "noAttention": "\(noAttention)",
                     "noTaskPrompt": "\(noTaskPrompt)", "bottleneck": "\(bottleneck)"]
        trainer.onBest = { _, _ in
            guard !setup.validation.isEmpty else { return }
            var best = manifest
            best.training = setup.metadata(trainer, kind: "spe", extra: extra)
            try TaskArtifacts.writeSPE(tensors: spe.tensors, manifest: best, to: options.outURL.appendingPathComponent("best"))
        }
        try setup.run(trainer)
        manifest.training = setup.metadata(trainer, kind: "spe", extra: extra)
        try TaskArtifacts.writeSPE(tensors: spe.tensors, manifest: manifest, to: options.outURL)
        print("wrote \(options.out) (spe over \(albumName), \(loaded.count) entries, \(trainer.step) steps)")
    }

    /// Multi-target training: one P_task per --data NAME=PATH, one shared G; OUT/NAME per target.
    private func trainSeveral(_ setup: TrainingSetup, album: PromptAlbum, albumName: String, taskPrompt: Tensor,
                              temperature: Double) throws {
        let model = MultiTargetSPEModel(model: setup.model, album: album,
                                        taskPrompts: Array(repeating: taskPrompt, count: setup.targetNames.count),
                                        bottleneck: bottleneck, temperature: Float(temperature),
                                        includeTaskInAttention: includeTask, seed: options.seed)
        let trainer = try setup.trainer(model)
        try setup.run(trainer)
        let extra = ["taskInit": taskInit, "noSnapshots": "\(noSnapshots)", "bottleneck": "\(bottleneck)",
                     "targets": setup.targetNames.joined(separator: ",")]
        for (index, name) in setup.targetNames.enumerated() {
            var manifest = setup.targetManifests[index]
            manifest.kind = .spe
            manifest.name = name
            manifest.spe = SPESettings(album: albumName, albumHash: album.hash, temperature: temperature, pooling: .max,
                                       includeTaskInAttention: includeTask)
            manifest.training = setup.metadata(trainer, kind: "spe", extra: extra, target: index)
            try TaskArtifacts.writeSPE(tensors: model.targets[index].tensors, manifest: manifest,
                                       to: options.outURL.appendingPathComponent(name))
        }
        print("wrote \(setup.targetNames.map { options.out + "/" + $0 }.joined(separator: ", ")) (shared G, \(trainer.step) steps)")
    }
}
