// `album train prompt|source|spe|ipt-subspace|ipt|model`: offline training of task prompts on the frozen T5 (Training.PromptTrainer)
// or of a whole T5 (TrainModelCommand.swift),
// writing ready task artifacts in Album's format. docs/ARCHITECTURE.md (Training) traces one step.
import ArgumentParser

struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train offline: task prompts (prompt tuning, SPE source and target tasks, IPT) or a whole T5.",
        subcommands: [TrainPromptCommand.self, TrainSourceCommand.self, TrainSPECommand.self, TrainIPTSubspaceCommand.self,
                      TrainIPTCommand.self, TrainModelCommand.self])
}
