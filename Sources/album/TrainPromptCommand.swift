// `album train prompt`: plain prompt tuning (spec §3) with --init vocab | random | text:"…" | file:PATH (SPoT
// transfer) | topk-weighted:K (SPoT's weighted average of the K prompts most similar to a vocab-init probe prompt
// trained for --probe-steps, over --candidates). Writes a static task; with validation data also OUT/best.
import ArgumentParser
import Foundation
import Kernels
import Prompts
import Training

struct TrainPromptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prompt", abstract: "Plain prompt tuning.")

    @OptionGroup var options: TrainOptions
    @Option(name: .long, help: "vocab | random | text:\"…\" | file:PATH | topk-weighted:K.") var `init`: String = "vocab"
    @Option(name: .long, help: "topk-weighted: candidate prompt folders (static tasks or albums), comma-separated.") var candidates: String?
    @Option(name: .long, help: "topk-weighted: steps of the probe prompt (the target's task embedding).") var probeSteps: Int = 20
    @Option(name: .long, help: "topk-weighted: average-cosine | per-token-cosine.") var metric: String = "per-token-cosine"

    func run() async throws {
        let setup = try TrainingSetup(options)
        let l = options.promptLength, d = setup.info.dModel
        let initial: Tensor
        switch self.`init` {
        case "vocab": initial = try PromptInitializer.vocab(model: setup.model, length: l, seed: options.seed)
        case "random": initial = PromptInitializer.random(length: l, dModel: d, seed: options.seed)
        case let spec where spec.hasPrefix("text:"):
            initial = try PromptInitializer.text(String(spec.dropFirst(5)), model: setup.model, tokenizer: setup.tokenizer, length: l)
        case let spec where spec.hasPrefix("file:"):
            initial = try PromptInitializer.file(String(spec.dropFirst(5)), model: setup.info, length: l)
        case let spec where spec.hasPrefix("topk-weighted:"):
            guard let k = Int(spec.dropFirst(14)), k >= 1 else { throw ValidationError("--init topk-weighted:K needs K ≥ 1") }
            initial = try topKInit(setup, k: k)
        default:
            throw ValidationError("--init must be vocab, random, text:\"…\", file:PATH or topk-weighted:K")
        }
        let prompt = StaticPromptModel(initial: initial)
        let trainer = try setup.trainer(prompt)
        var manifest = setup.manifest
        trainer.onBest = { _, _ in
            guard !setup.validation.isEmpty else { return }
            var best = manifest
            best.training = setup.metadata(trainer, kind: "prompt", extra: ["init": self.`init`])
            try TaskArtifacts.writeStatic(prompt: prompt.prompt.value, manifest: best, to: options.outURL.appendingPathComponent("best"))
        }
        try setup.run(trainer)
        manifest.training = setup.metadata(trainer, kind: "prompt", extra: ["init": self.`init`])
        try TaskArtifacts.writeStatic(prompt: prompt.prompt.value, manifest: manifest, to: options.outURL)
        print("wrote \(options.out) (static, \(trainer.step) steps, loss \(trainer.losses.first.map { String(format: "%.4f", $0) } ?? "-") → \(trainer.losses.last.map { String(format: "%.4f", $0) } ?? "-"))")
    }

    /// SPoT top-k weighted average: train a probe prompt from vocab init, rank candidates by similarity to it.
    private func topKInit(_ setup: TrainingSetup, k: Int) throws -> Tensor {
        guard let candidates else { throw ValidationError("--init topk-weighted:K needs --candidates") }
        guard let metric = PromptSimilarity.Metric(rawValue: metric) else { throw ValidationError("--metric: average-cosine or per-token-cosine") }
        let probe = StaticPromptModel(initial: try PromptInitializer.vocab(model: setup.model, length: options.promptLength, seed: options.seed))
        var configuration = setup.configuration
        configuration.steps = probeSteps
        try PromptTrainer(model: setup.model, prompt: probe, configuration: configuration, train: setup.train).run()
        let prompts = try SimilarityCommand.candidatePrompts(candidates.split(separator: ",").map(String.init), info: setup.info,
                                                             length: options.promptLength)
        let scored = prompts.map { (prompt: $0.prompt, similarity: PromptSimilarity.similarity(probe.prompt.value, $0.prompt, metric: metric)) }
        guard let average = PromptSimilarity.weightedAverage(scored, k: k) else {
            throw CLIError("--init topk-weighted: no candidate among the top \(k) has a positive similarity")
        }
        return average
    }
}
