// The base model as a task: no prompt rows and the plain `{input}` template, so a request that names no task runs
// the frozen checkpoint exactly as `album generate` without a task does.
import Kernels

extension LoadedTask {
    /// A task with an empty prompt (0, `dModel`) and the `{input}` template, named `name`.
    public static func baseModel(name: String, dModel: Int) -> LoadedTask {
        LoadedTask(name: name, version: 0, kind: .staticPrompt, source: "base", manifest: TaskManifest(kind: .staticPrompt),
                   template: .plain, prompt: .fixed(Tensor(zeros: [0, dModel])), warnings: [])
    }
}
