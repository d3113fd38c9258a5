// The training loop on the demo model: prompt tuning lowers the loss and is deterministic for a seed; a run
// interrupted (checkpoint, new process state, resume) ends with exactly the parameters of an uninterrupted run;
// the written artifact loads in TaskRegistry; SPE training and its ablation switches.
import Foundation
import Kernels
import Prompts
import T5
import Testing
import Training

@Suite struct PromptTrainerTests {
    private func run(steps: Int, until: Int? = nil, directory: URL? = nil, resume: Bool = false,
                     interrupt: Bool = false, dropout: Double = 0.1) throws -> (PromptTrainer, StaticPromptModel) {
        let model = try TrainerFixture.model(), tokenizer = try TrainerFixture.tokenizer()
        let prompt = StaticPromptModel(initial: try PromptInitializer.vocab(model: model, length: 4, seed: 7))
        var configuration = TrainerFixture.configuration(steps: steps)
        configuration.dropout = dropout
        let trainer = try PromptTrainer(model: model, prompt: prompt, configuration: configuration,
                                        train: try TrainerFixture.examples(tokenizer), checkpointDirectory: directory)
        if resume { try trainer.resume() }
        if interrupt { trainer.interruptRequested = { true } }
        try trainer.run(until: until)
        return (trainer, prompt)
    }

    /// Without dropout (the demo model's config has dropout_rate 0, and a 24-step run on a random model is too short
    /// for the noise of dropout 0.1 to average out), the training-set loss falls; with dropout, runs repeat exactly.
    @Test func promptTuningLowersTheLossAndIsDeterministic() throws {
        let (first, _) = try run(steps: 24)
        let (second, _) = try run(steps: 24)
        #expect(first.losses == second.losses)
        let (noDropout, a) = try run(steps: 24, dropout: 0)
        let (again, b) = try run(steps: 24, dropout: 0)
        #expect(noDropout.losses == again.losses)
        #expect(a.prompt.value.array == b.prompt.value.array)
        let model = try TrainerFixture.model(), examples = try TrainerFixture.examples(try TrainerFixture.tokenizer())
        func loss(_ prompt: Tensor) throws -> Double {
            try model.loss(batch: examples.map { TrainingExample(input: EncoderRow(prompt: prompt, tokens: $0.input), labels: $0.target) })
        }
        let before = try loss(try PromptInitializer.vocab(model: model, length: 4, seed: 7)), after = try loss(a.prompt.value)
        #expect(after < before, "training-set loss \(before) → \(after)")
    }

    @Test func resumeReproducesTheUninterruptedRun() throws {
        let directory = TrainerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (_, full) = try run(steps: 10)
        let (partial, _) = try run(steps: 10, until: 5, directory: directory)
        try partial.saveCheckpoint()
        let (resumed, prompt) = try run(steps: 10, directory: directory, resume: true)
        #expect(resumed.losses.count == 5)
        #expect(prompt.prompt.value.array == full.prompt.value.array)
    }

    @Test func interruptWritesACheckpoint() throws {
        let directory = TrainerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: TrainingError.self) { _ = try run(steps: 10, directory: directory, interrupt: true) }
        let checkpoint = try TrainingCheckpoint.read(directory.appendingPathComponent(TrainingCheckpoint.fileName))
        #expect(checkpoint.step == 1 && checkpoint.parameters["prompt"] != nil && checkpoint.optimizerState["m.0"] != nil)
    }

    @Test func artifactLoadsInTheRegistry() throws {
        let directory = TrainerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (trainer, prompt) = try run(steps: 3)
        var manifest = TaskManifest(kind: .staticPrompt)
        manifest.template = "sst2 sentence: {sentence}"
        manifest.labels = ["negative", "positive"]
        manifest.baseModel = BaseModelRef(fingerprint: try TrainerFixture.info().fingerprint, dModel: try TrainerFixture.info().dModel)
        manifest.training = TrainingMetadata(trainer: "prompt", settings: trainer.configuration.settings, steps: trainer.step)
        try TaskArtifacts.writeStatic(prompt: prompt.prompt.value, manifest: manifest, to: directory.appendingPathComponent("mood"))
        let registry = try TaskRegistry(directory: directory, model: try TrainerFixture.info())
        #expect(registry.issues.isEmpty, "\(registry.issues)")
        let task = try #require(registry.snapshot().task(named: "mood"))
        #expect(task.manifest.training?.steps == 3)
        guard case .fixed(let loaded) = task.prompt else { Issue.record("not a static task"); return }
        #expect(loaded.array == prompt.prompt.value.array)
    }

    @Test func speTrainingAndAblations() throws {
        let model = try TrainerFixture.model(), tokenizer = try TrainerFixture.tokenizer(), info = try TrainerFixture.info()
        let albumURL = TrainerFixture.root.appendingPathComponent("models/tasks/source-album")
        guard case .album(let album) = try ArtifactLoader.load(directory: albumURL, name: "source-album", version: 0, model: info, albums: [:]) else {
            Issue.record("no album"); return
        }
        let train = try TrainerFixture.examples(tokenizer)
        func trained(noAttention: Bool = false, noTaskPrompt: Bool = false) throws -> (SPEPromptModel, Tensor) {
            let initial = PromptInitializer.albumEntry(album, album.count - 1)
            let spe = SPEPromptModel(model: model, album: album, taskPrompt: initial, bottleneck: 4, temperature: 64 * 2.718,
                                     includeTaskInAttention: false, noAttention: noAttention, noTaskPrompt: noTaskPrompt, seed: 1)
            let down = spe.module.down.clone()
            try PromptTrainer(model: model, prompt: spe, configuration: TrainerFixture.configuration(steps: 3), train: train).run()
            return (spe, down)
        }
        let initial = PromptInitializer.albumEntry(album, album.count - 1)
        let (full, down) = try trained()
        #expect(full.module.taskPrompt.array != initial.array)
        #expect(full.module.down.array != down.array)
        #expect(Set(full.parameters.map(\.name)) == ["task_prompt", "down.weight", "up.weight", "layer_norm.weight", "layer_norm.bias"])
        let (equal, _) = try trained(noAttention: true)
        #expect(equal.parameters.map(\.name) == ["task_prompt"])
        #expect(equal.module.down.array.allSatisfy { $0 == 0 } && equal.module.taskPrompt.array != initial.array)
        let weights = try equal.attentionWeights(for: [train[0].input])[0]
        #expect(weights.allSatisfy { abs($0 - 1 / Float(album.count)) < 1e-6 })
        let (noTask, _) = try trained(noTaskPrompt: true)
        #expect(!noTask.parameters.map(\.name).contains("task_prompt"))
        #expect(noTask.module.taskPrompt.array.allSatisfy { $0 == 0 })
    }

    @Test func evaluationByGenerationAndByRank() throws {
        let model = try TrainerFixture.model(), tokenizer = try TrainerFixture.tokenizer()
        let prompt = StaticPromptModel(initial: try PromptInitializer.vocab(model: model, length: 4, seed: 1))
        let topic = try ExampleEncoder(tokenizer: tokenizer, template: nil, labels: nil, maxSourceLength: 32)
            .encode(Dataset.jsonLines(TrainerFixture.root.appendingPathComponent("models/data/topic-train.jsonl")))
        var generating = Evaluator(model: model, tokenizer: tokenizer, labels: nil)
        generating.maxNewTokens = 3
        let generated = try generating.evaluate(prompt, on: topic)
        #expect(generated.predictions.count == topic.count && generated.metrics["exact_match"] != nil && generated.metrics["mcc"] == nil)
        let sentiment = try TrainerFixture.examples(tokenizer, file: "sentiment-val.jsonl")
        let ranked = try Evaluator(model: model, tokenizer: tokenizer, labels: ["negative", "positive"]).evaluate(prompt, on: sentiment)
        #expect(ranked.predictions.allSatisfy { ["negative", "positive"].contains($0) })
        #expect(ranked.metrics["accuracy"] == Metrics.accuracy(ranked.predictions, sentiment.map(\.targetText)))
        #expect(ranked.metrics["loss"] == ranked.loss && ranked.loss > 0)
    }

    @Test func multiTargetSPESharesG() throws {
        let model = try TrainerFixture.model(), tokenizer = try TrainerFixture.tokenizer(), info = try TrainerFixture.info()
        let albumURL = TrainerFixture.root.appendingPathComponent("models/tasks/source-album")
        guard case .album(let album) = try ArtifactLoader.load(directory: albumURL, name: "source-album", version: 0, model: info, albums: [:]) else {
            Issue.record("no album"); return
        }
        let initial = PromptInitializer.albumEntry(album, 0)
        let multi = MultiTargetSPEModel(model: model, album: album, taskPrompts: [initial, initial], bottleneck: 4,
                                        temperature: 174, includeTaskInAttention: false, seed: 3)
        var train = try TrainerFixture.examples(tokenizer)
        for i in train.indices where i % 2 == 1 { train[i].task = 1 }
        let down = multi.targets[0].module.down.clone()
        try PromptTrainer(model: model, prompt: multi, configuration: TrainerFixture.configuration(steps: 3), train: train).run()
        #expect(multi.parameters.map(\.name) == ["task_prompt.0", "task_prompt.1", "down.weight", "up.weight",
                                                 "layer_norm.weight", "layer_norm.bias"])
        #expect(multi.targets[0].module.down.data == multi.targets[1].module.down.data)  // one shared tensor
        #expect(multi.targets[0].module.down.array != down.array)
        #expect(multi.targets[0].module.taskPrompt.array != initial.array && multi.targets[1].module.taskPrompt.array != initial.array)
        #expect(multi.targets[0].module.taskPrompt.array != multi.targets[1].module.taskPrompt.array)
    }

    @Test func albumBuildHashIsValidatedByTheRegistry() throws {
        let directory = TrainerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let info = try TrainerFixture.info()
        var manifest = TaskManifest(kind: .album)
        manifest.baseModel = BaseModelRef(fingerprint: info.fingerprint, dModel: info.dModel)
        for (i, name) in ["a", "b"].enumerated() {
            let d = info.dModel
            let prompts = Tensor(shape: [2, 4, d], values: (0..<(8 * d)).map { Float($0 % 17 + i) / 17 })  // (M, l, d)
            try TaskArtifacts.writeAlbum(prompts: prompts, entries: [AlbumEntry(sourceTask: name, fraction: 0.5, step: 1),
                                                                     AlbumEntry(sourceTask: name, fraction: 1, step: 2)],
                                         manifest: manifest, to: directory.appendingPathComponent("src/\(name)"))
        }
        let tasks = directory.appendingPathComponent("tasks")
        let hash = try TaskArtifacts.buildAlbum(sources: ["a", "b"].map { directory.appendingPathComponent("src/\($0)") },
                                                name: "joined", to: tasks.appendingPathComponent("joined"))
        let registry = try TaskRegistry(directory: tasks, model: info)
        let album = try #require(registry.snapshot().albums["joined"])
        #expect(album.hash == hash && album.count == 4 && album.entries.map(\.sourceTask) == ["a", "a", "b", "b"])
    }
}
