// Several SPE target tasks trained at once (ATTEMPT §3.3, spec §7.2 "multi-target variant"): one P_task per target,
// one G = {W_down, W_up, γ, β} shared by all, over one album; mini-batches mix the targets (each example carries its
// task index). Each target's SPEModule shares G's tensors by reference; the backward runs per task group and sums
// the groups' G gradients into the shared ones.
import Kernels
import Prompts
import T5

public final class MultiTargetSPEModel: TrainablePrompt {
    /// One module per target (their down/up/gamma/beta are the same tensors).
    public let targets: [SPEPromptModel]
    private let shared: [Parameter]
    private var groups: [(target: Int, rows: [Int])] = []

    /// - Parameter taskPrompts: the P_task init of each target.
    public init(model: T5Model, album: PromptAlbum, taskPrompts: [Tensor], bottleneck: Int, temperature: Float,
                includeTaskInAttention: Bool, seed: UInt64) {
        let first = SPEPromptModel(model: model, album: album, taskPrompt: taskPrompts[0], bottleneck: bottleneck,
                                   temperature: temperature, includeTaskInAttention: includeTaskInAttention,
                                   noAttention: false, noTaskPrompt: false, seed: seed)
        var targets = [first]
        for prompt in taskPrompts.dropFirst() {
            targets.append(SPEPromptModel(sharing: first, model: model, taskPrompt: prompt))
        }
        self.targets = targets
        shared = first.parameters.filter { $0.name != "task_prompt" }.map { Parameter(name: $0.name, value: $0.value) }
    }

    public var promptLength: Int { targets[0].promptLength }

    public var parameters: [Parameter] {
        targets.enumerated().flatMap { index, target in
            target.parameters.filter { $0.name == "task_prompt" }.map { Parameter(name: "task_prompt.\(index)", value: $0.value, grad: $0.grad) }
        } + shared
    }

    public func prompts(for examples: [EncodedExample], training: Bool) throws -> [Tensor] {
        var out = [Tensor?](repeating: nil, count: examples.count)
        var byTask: [Int: [Int]] = [:]
        for (row, example) in examples.enumerated() { byTask[example.task, default: []].append(row) }
        groups = []
        for (task, rows) in byTask.sorted(by: { $0.key < $1.key }) where targets.indices.contains(task) {
            let prompts = try targets[task].prompts(for: rows.map { examples[$0].input }, training: training)
            for (row, prompt) in zip(rows, prompts) { out[row] = prompt }
            groups.append((task, rows))
        }
        return try out.map { prompt throws in
            guard let prompt else { throw TrainingError.setup("an example names a target task that does not exist") }
            return prompt
        }
    }

    public func backward(_ promptGradients: [Tensor?]) {
        for (task, rows) in groups {
            let target = targets[task]
            target.backward(rows.map { promptGradients[$0] })
            // Move this group's G gradients into the shared ones.
            for (local, total) in zip(target.parameters.filter { $0.name != "task_prompt" }, shared) {
                for i in 0..<total.count { total.grad.data[i] += local.grad.data[i] }
                local.zeroGrad()
            }
        }
        groups = []
    }
}
