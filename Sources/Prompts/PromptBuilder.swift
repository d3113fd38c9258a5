// Batched prompt computation for the encoder: for rows of possibly different tasks, each row's prompt P_i (l_i, d),
// which `T5Model.encode(rows:)` places before the row's tokens as PEFT/ATTEMPT do (spec §2: prompt first, mask all
// ones). SPE rows are grouped by task (by loaded version) so that each task's attention and album GEMM run once per
// group, not once per request. Ensemble rows get all K member prompts (shared, not copied).
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
    /// (l, d) prompt rows to prepend (an ensemble's first member).
    public let prompt: Tensor
    /// SPE only: attention weights over the album entries (then P_task last in ATTEMPT mode).
    public let albumWeights: [Float]?
    /// Every prompt the row runs under, each (l, d): the K members of an ensemble (one encoder row each), else
    /// `[prompt]`.
    public let members: [Tensor]

    init(prompt: Tensor, albumWeights: [Float]?, members: [Tensor]? = nil) {
        self.prompt = prompt
        self.albumWeights = albumWeights
        self.members = members ?? [prompt]
    }
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
            case .ensemble(let members, _):
                results[index] = RowPrompt(prompt: members[0], albumWeights: nil, members: members)
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
}
