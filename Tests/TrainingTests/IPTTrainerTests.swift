// IPT training on the demo model: multi-task subspace finding lowers its objective (LM loss of the reconstructed
// prompts + α · reconstruction error) and the reconstruction error itself; intrinsic subspace tuning of z alone
// lowers the training-set loss; the subspace artifact written loads and an IPT task in it serves Proj_b(z).
import Foundation
import Kernels
import Prompts
import T5
import Testing
import Training

@Suite struct IPTTrainerTests {
    /// Two "source tasks": the sentiment data split in halves (task 0, task 1), each with its own prompt.
    func sources() throws -> (examples: [EncodedExample], prompts: [Tensor]) {
        let model = try TrainerFixture.model()
        var examples = try TrainerFixture.examples(try TrainerFixture.tokenizer())
        for i in examples.indices { examples[i].task = i % 2 }
        let prompts = [try PromptInitializer.vocab(model: model, length: 4, seed: 1),
                       try PromptInitializer.vocab(model: model, length: 4, seed: 2)]
        return (examples, prompts)
    }

    /// Full-batch steps without dropout: each step follows the exact gradient of the training-set objective, so a
    /// small learning rate must lower it.
    func configuration(steps: Int, lr: Double, examples: Int) -> TrainingConfiguration {
        var c = TrainerFixture.configuration(steps: steps)
        c.learningRate = lr
        c.dropout = 0
        c.warmupSteps = 0
        c.batchSize = examples
        c.shuffle = false
        return c
    }

    /// Mean LM loss of every example under its source's reconstructed prompt.
    func lmLoss(_ model: T5Model, _ subspace: IPTSubspaceModel, _ examples: [EncodedExample]) throws -> Double {
        let prompts = try subspace.prompts(for: examples, training: false)
        return try model.loss(batch: zip(prompts, examples).map { TrainingExample(input: EncoderRow(prompt: $0, tokens: $1.input), labels: $1.target) })
    }

    @Test func subspaceFindingLowersItsObjectiveAndTheReconstructionError() throws {
        let model = try TrainerFixture.model()
        let (examples, prompts) = try sources()
        let subspace = IPTSubspaceModel(sources: prompts, intrinsicDim: 4, hidden: 32, alpha: 200, seed: 3)
        #expect(Set(subspace.parameters.map(\.name)) == Set(IPTAutoencoder.tensorNames))
        func objective() throws -> (total: Double, reconstruction: Double) {
            let reconstruction = (subspace.reconstructionLoss(task: 0) + subspace.reconstructionLoss(task: 1)) / 2
            return (try lmLoss(model, subspace, examples) + reconstruction, reconstruction / 200)
        }
        let before = try objective()
        let trainer = try PromptTrainer(model: model, prompt: subspace, configuration: configuration(steps: 20, lr: 1e-2, examples: examples.count), train: examples)
        try trainer.run()
        let after = try objective()
        #expect(after.total < before.total, "objective \(before.total) → \(after.total)")
        #expect(after.reconstruction < 0.5 * before.reconstruction, "reconstruction MSE \(before.reconstruction) → \(after.reconstruction)")
        // The logged loss includes the reconstruction term.
        #expect(trainer.losses.first! > 200 * after.reconstruction)

        // Written, it loads as a subspace whose tensors are the trained ones.
        let directory = TrainerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var manifest = TaskManifest(kind: .iptSubspace)
        manifest.baseModel = BaseModelRef(fingerprint: try TrainerFixture.info().fingerprint, dModel: try TrainerFixture.info().dModel)
        let hash = try TaskArtifacts.writeSubspace(subspace.autoencoder, sources: ["a", "b"], alpha: 200, manifest: manifest,
                                                   to: directory.appendingPathComponent("sub"))
        guard case .subspace(let loaded) = try ArtifactLoader.load(directory: directory.appendingPathComponent("sub"), name: "sub",
                                                                   version: 0, model: try TrainerFixture.info(), albums: [:]) else {
            Issue.record("not a subspace"); return
        }
        #expect(loaded.hash == hash && loaded.sources == ["a", "b"])
        #expect(loaded.autoencoder.prompt(for: loaded.autoencoder.project(prompts[0].data)).array
                == subspace.autoencoder.prompt(for: subspace.autoencoder.project(prompts[0].data)).array)
    }

    @Test func intrinsicTuningLowersTheLossAndServesProjBOfZ() throws {
        let model = try TrainerFixture.model(), info = try TrainerFixture.info()
        let (examples, prompts) = try sources()
        let found = IPTSubspaceModel(sources: prompts, intrinsicDim: 4, hidden: 32, alpha: 200, seed: 3)
        try PromptTrainer(model: model, prompt: found, configuration: configuration(steps: 4, lr: 1e-2, examples: examples.count), train: examples).run()
        let ipt = IPTPromptModel(autoencoder: found.autoencoder, initial: IPTPromptModel.normalInit(intrinsicDim: 4, seed: 5))
        let initial = ipt.z.value.clone()
        let frozen = found.autoencoder.namedTensors.map { $0.1.array }
        func loss() throws -> Double {
            let prompt = ipt.prompt
            return try model.loss(batch: examples.map { TrainingExample(input: EncoderRow(prompt: prompt, tokens: $0.input), labels: $0.target) })
        }
        let before = try loss()
        let trainer = try PromptTrainer(model: model, prompt: ipt, configuration: configuration(steps: 8, lr: 0.02, examples: examples.count), train: examples)
        try trainer.run()
        let after = try loss()
        #expect(after < before, "training-set loss \(before) → \(after)")
        #expect(ipt.parameters.map(\.name) == ["z"] && ipt.z.value.array != initial.array)
        #expect(found.autoencoder.namedTensors.map { $0.1.array } == frozen, "Proj_b must stay frozen")

        // The task written next to its subspace serves exactly Proj_b(z).
        let directory = TrainerFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var manifest = TaskManifest(kind: .iptSubspace)
        manifest.baseModel = BaseModelRef(fingerprint: info.fingerprint, dModel: info.dModel)
        let hash = try TaskArtifacts.writeSubspace(found.autoencoder, sources: ["a", "b"], alpha: 200, manifest: manifest,
                                                   to: directory.appendingPathComponent("sub"))
        var task = TaskManifest(kind: .ipt)
        task.template = "sst2 sentence: {sentence}"
        task.labels = ["negative", "positive"]
        task.baseModel = manifest.baseModel
        task.ipt = IPTSettings(subspace: "sub", subspaceHash: hash)
        try TaskArtifacts.writeIPT(z: ipt.z.value, manifest: task, to: directory.appendingPathComponent("mood"))
        let registry = try TaskRegistry(directory: directory, model: info)
        #expect(registry.issues.isEmpty, "\(registry.issues)")
        guard case .fixed(let served) = try #require(registry.snapshot().task(named: "mood")).prompt else { Issue.record("not fixed"); return }
        #expect(served.array == ipt.prompt.array)
    }
}
