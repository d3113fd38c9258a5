// Batched prompt computation for the encoder: for rows of possibly different tasks, each row's encoder input
// [P_i ; X_i] (l_i + n_i, d), as PEFT/ATTEMPT build it (spec §2: prompt first, mask all ones). SPE rows are grouped by
// task (by loaded version) so that each task's attention and album GEMM run once per group, not once per request.
import Kernels

/// One row to prompt: a task (pinned from a snapshot) and the row's input embeddings X (n, d), `</s>` included.
public struct PromptRow: Sendable {
    public let task: LoadedTask
    public let input: Tensor
    public init(task: LoadedTask, input: Tensor) {
        self.task = task
        self.input = input
    }
}

/// The prompt computed for one row.
public struct RowPrompt: Sendable {
    /// (l, d) prompt rows to prepend.
    public let prompt: Tensor
    /// SPE only: attention weights over the album entries (then P_task last in ATTEMPT mode).
    public let albumWeights: [Float]?
}

/// The encoder input of one row.
public struct PromptedInput: Sendable {
    /// (l + n, d): the prompt rows, then the input embeddings.
    public let encoderInput: Tensor
    public let promptLength: Int
    public let albumWeights: [Float]?
}

public enum PromptBuilder {
    /// Each row's prompt, in row order. Fixed prompts are shared (not copied); SPE tasks are computed per group.
    public static func prompts(for rows: [PromptRow]) -> [RowPrompt] {
        var results = [RowPrompt?](repeating: nil, count: rows.count)
        var groups: [ObjectIdentifier: (module: SPEModule, rows: [Int])] = [:]
        var order: [ObjectIdentifier] = []
        for (index, row) in rows.enumerated() {
            switch row.task.prompt {
            case .fixed(let prompt):
                results[index] = RowPrompt(prompt: prompt, albumWeights: nil)
            case .spe(let module):
                let key = ObjectIdentifier(module)
                if groups[key] == nil { groups[key] = (module, []); order.append(key) }
                groups[key]!.rows.append(index)
            }
        }
        for key in order {
            let (module, members) = groups[key]!
            let (prompts, weights) = module.instancePrompts(members.map { rows[$0].input })
            for (k, index) in members.enumerated() { results[index] = RowPrompt(prompt: prompts[k], albumWeights: weights[k]) }
        }
        return results.map { $0! }
    }

    /// Each row's encoder input [P ; X] (l + n, d).
    public static func build(_ rows: [PromptRow]) -> [PromptedInput] {
        zip(rows, prompts(for: rows)).map { row, prompt in
            let (l, n, d) = (prompt.prompt.shape[0], row.input.shape[0], prompt.prompt.shape[1])
            precondition(row.input.rank == 2 && row.input.shape[1] == d, "task '\(row.task.name)': input \(row.input.shape) does not have width \(d)")
            let joined = Tensor(uninitialized: [l + n, d])  // (l + n, d)
            joined.data.update(from: prompt.prompt.data, count: l * d)
            (joined.data + l * d).update(from: row.input.data, count: n * d)
            return PromptedInput(encoderInput: joined, promptLength: l, albumWeights: prompt.albumWeights)
        }
    }
}
