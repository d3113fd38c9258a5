// A loaded task (any kind) as the evaluator's prompt source: prompts exactly as serving builds them
// (Prompts.PromptBuilder: the fixed prompt, or the SPE module's folded instance prompts). Not trainable.
import Kernels
import Prompts
import T5

public final class ServedPrompt: TrainablePrompt {
    public let task: LoadedTask
    private let model: T5Model

    public init(task: LoadedTask, model: T5Model) {
        self.task = task
        self.model = model
    }

    public var parameters: [Parameter] { [] }
    public var promptLength: Int { task.promptLength }

    public func prompts(for examples: [EncodedExample], training: Bool) throws -> [Tensor] {
        let rows = try examples.map { example throws in PromptRow(task: task, input: try model.embed(example.input)) }
        return PromptBuilder.prompts(for: rows).map(\.prompt)
    }

    public func backward(_ promptGradients: [Tensor?]) {}
}
