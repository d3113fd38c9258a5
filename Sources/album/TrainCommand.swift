// `album train prompt|source|spe`: offline training of task prompts on the frozen T5 (Training.PromptTrainer),
// writing ready task artifacts in Album's format. docs/ARCHITECTURE.md (Training) traces one step.
import ArgumentParser

struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train task prompts offline (prompt tuning, SPE source and target tasks).",
        subcommands: [TrainPromptCommand.self, TrainSourceCommand.self, TrainSPECommand.self])
}
