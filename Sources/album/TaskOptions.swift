// Task selection for `album generate` and `album score`: `--tasks DIR --task NAME` (a task from a tasks directory)
// or `--prompt PATH` (one artifact folder: an Album static prompt, a PEFT adapter or a T5X .npy), plus `--fields`
// for templated input. The selected task's template is filled, tokenized, checked against its input limit, and its
// prompt is prepended to the input embeddings (Prompts.PromptBuilder).
import ArgumentParser
import Foundation
import Kernels
import Prompts
import T5
import Tokenization

struct TaskOptions: ParsableArguments {
    @Option(name: .long, help: "Tasks directory (with --task).")
    var tasks: String?

    @Option(name: .long, help: "Task name inside --tasks.")
    var task: String?

    @Option(name: .long, help: "One artifact folder to use as the prompt (Album static prompt, PEFT adapter, T5X .npy).")
    var prompt: String?

    @Option(name: .long, help: "Template fields as a JSON object, e.g. '{\"premise\": \"...\", \"hypothesis\": \"...\"}'.")
    var fields: String?

    /// True when a task or prompt was selected.
    var isActive: Bool { task != nil || prompt != nil }

    func validate() throws {
        if task != nil && tasks == nil { throw ValidationError("--task needs --tasks DIR") }
        if tasks != nil && task == nil && prompt == nil { throw ValidationError("--tasks needs --task NAME") }
        if task != nil && prompt != nil { throw ValidationError("give --task or --prompt, not both") }
        if fields != nil && !isActive { throw ValidationError("--fields needs --task or --prompt") }
    }

    /// The selected task, validated against `modelDirectory`'s checkpoint.
    func loadTask(modelDirectory: URL) throws -> LoadedTask {
        let info = try BaseModelInfo(checkpoint: modelDirectory)
        if let prompt {
            let url = URL(fileURLWithPath: prompt)
            let artifact = try ArtifactLoader.load(directory: url, name: url.lastPathComponent, version: 0, model: info, albums: [:])
            guard case .task(let task) = artifact else { throw CLIError("\(prompt) is an album, not a task") }
            return task
        }
        let registry = try TaskRegistry(directory: URL(fileURLWithPath: tasks!), model: info)
        guard let task = registry.snapshot().task(named: self.task!) else {
            let issues = registry.issues.filter { $0.entry.hasPrefix(self.task!) }
            throw CLIError("no task '\(self.task!)' in \(tasks!)" + (issues.isEmpty ? "" : ": " + issues.map(\.description).joined(separator: "; ")))
        }
        return task
    }

    /// Parsed `--fields`.
    func parsedFields() throws -> [String: String]? {
        guard let fields else { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: Data(fields.utf8)) as? [String: Any] else {
            throw CLIError("--fields must be a JSON object of strings")
        }
        var result: [String: String] = [:]
        for (key, value) in object {
            guard let text = value as? String else { throw CLIError("--fields: '\(key)' is not a string") }
            result[key] = text
        }
        return result
    }

    /// Token ids of the task's formatted input (`</s>` appended by the tokenizer), length-checked.
    func inputIDs(task: LoadedTask, text: String?, tokenizer: Tokenizer?) throws -> [Int32] {
        let formatted = try task.formatInput(text: text, fields: parsedFields())
        guard let tokenizer else { throw CLIError("task input needs a tokenizer in the model directory") }
        let ids = tokenizer.encode(formatted)
        try task.checkInputLength(ids.count)
        return ids
    }

    /// Encoder input [P ; E[x]] (l + n, d) of `ids` under `task`, and the SPE attention weights if any.
    /// Encodes one request through `task`'s prompt: `[P ; E[ids]]`, and the SPE attention weights when it has any.
    static func encode(model: T5Model, task: LoadedTask, ids: [Int32]) throws -> (EncoderOutput, attention: [AttentionWeight]?) {
        if case .ensemble = task.prompt {
            throw CLIError("'\(task.name)' is an ensemble task: classify with it through `album serve`, or evaluate it with `album eval`")
        }
        let prompt = PromptBuilder.prompts(for: [PromptRow(task: task, input: try model.embed(ids))])[0]
        var attention: [AttentionWeight]?
        if let weights = prompt.albumWeights, case .spe(let module) = task.prompt {
            attention = weights.enumerated().map { AttentionWeight(source: module.album.candidateLabel($0), weight: Double($1)) }
        }
        return (try model.encode(rows: [EncoderRow(prompt: prompt.prompt, tokens: ids)])[0], attention)
    }

    /// One SPE attention weight, as the HTTP API names it: `{"source": "topic@0.6", "weight": 0.3}`.
    struct AttentionWeight: Encodable {
        let source: String
        let weight: Double
    }
}
