// A validated, immutable, servable task: its manifest facts (template, labels, limits, decoding defaults) and its
// prompt, either a fixed (l, d) tensor (static and IPT tasks) or an SPE module computing an instance prompt per
// request.
import Foundation
import Kernels

/// How a task produces its prompt.
public enum TaskPrompt: Sendable {
    /// The same (l, d) prompt for every request (prompt tuning, SPoT, PEFT and T5X imports).
    case fixed(Tensor)
    /// An instance-dependent prompt (SPE).
    case spe(SPEModule)
    /// K ≥ 2 fixed (l, d) prompts of the same shape; every request runs once per member and the label scores are
    /// combined as `combine` says.
    case ensemble(members: [Tensor], combine: EnsembleCombine)
}

/// A loaded task. Immutable and Sendable; a registry snapshot holds these, so a batch that captured one keeps using
/// exactly this version even after the registry replaced it.
public final class LoadedTask: Sendable {
    public let name: String
    /// Registry revision: 0 for a hand-placed folder, then 1, 2, … for each upload or replacement.
    public let version: Int
    public let kind: TaskKind
    /// Where the prompt came from: "album", "peft:PROMPT_TUNING", "peft:MULTITASK_PROMPT_TUNING", "t5x", "spe".
    public let source: String
    /// The manifest as loaded (synthesised from the import's own config when the folder has no task.json).
    public let manifest: TaskManifest
    public let template: InputTemplate
    public let prompt: TaskPrompt
    /// Non-fatal notes from loading (e.g. an import without a base-model fingerprint).
    public let warnings: [String]
    /// The shared subspace an `ipt` task's prompt was computed from (its prompt is `.fixed(Proj_b(z))`).
    public let subspace: IPTSubspace?

    public var labels: [String]? { manifest.labels }
    public var maxInputTokens: Int? { manifest.maxInputTokens }
    /// Decoding defaults: the manifest's, else rank classification when the task has labels, else greedy.
    public var decoding: DecodingDefaults {
        manifest.decoding ?? DecodingDefaults(mode: labels == nil ? .greedy : .rank)
    }
    /// Prompt length l.
    public var promptLength: Int {
        switch prompt {
        case .fixed(let p): p.shape[0]
        case .spe(let module): module.promptLength
        case .ensemble(let members, _): members[0].shape[0]
        }
    }
    /// Whether the task's prompt comes with attention weights over an album (SPE).
    public var hasAttention: Bool {
        if case .spe = prompt { return true }
        return false
    }
    /// Encoder rows one request runs: K for an ensemble, else 1.
    public var memberCount: Int {
        if case .ensemble(let members, _) = prompt { return members.count }
        return 1
    }
    /// Bytes of tensors owned by this task (the album is shared and not counted).
    public var ownedBytes: Int {
        switch prompt {
        case .fixed(let p): p.count * 4
        case .spe(let m): (m.taskPrompt.count + m.down.count + m.up.count + m.gamma.count + m.beta.count + m.foldedKeys.count) * 4
        case .ensemble(let members, _): members.reduce(0) { $0 + $1.count * 4 }
        }
    }

    init(name: String, version: Int, kind: TaskKind, source: String, manifest: TaskManifest, template: InputTemplate,
         prompt: TaskPrompt, warnings: [String], subspace: IPTSubspace? = nil) {
        self.name = name
        self.version = version
        self.kind = kind
        self.source = source
        self.manifest = manifest
        self.template = template
        self.prompt = prompt
        self.warnings = warnings
        self.subspace = subspace
    }

    /// The text to tokenize for a request: the template filled with `fields`, or `text` for `{input}` templates.
    /// - Throws: `PromptsError.badInput` for missing, unknown or conflicting inputs.
    public func formatInput(text: String?, fields: [String: String]?) throws(PromptsError) -> String {
        try template.fill(text: text, fields: fields, task: name)
    }

    /// Checks a tokenized input length (`</s>` included) against `maxInputTokens`.
    /// - Throws: `PromptsError.inputTooLong`.
    public func checkInputLength(_ tokens: Int) throws(PromptsError) {
        if let limit = maxInputTokens, tokens > limit { throw .inputTooLong(task: name, tokens: tokens, limit: limit) }
        if tokens == 0 { throw .badInput(task: name, reason: "empty input") }
    }
}
