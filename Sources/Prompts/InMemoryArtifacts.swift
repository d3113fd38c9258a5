// Albums and tasks built from tensors already in memory, for `album bench` and tests that need realistic shapes
// without writing artifact folders: no files, no manifest validation, version 0. Served tasks always come from
// `ArtifactLoader`, which validates everything these skip.
import Kernels

extension PromptAlbum {
    /// An album over `prompts` (M, l, d) with generated entry names ("source0", "source1", …).
    public static func inMemory(name: String, prompts: Tensor) -> PromptAlbum {
        precondition(prompts.rank == 3, "album prompts must be (M, l, d), got \(prompts.shape)")
        var manifest = TaskManifest(kind: .album)
        manifest.album = AlbumSettings(hash: hash(of: prompts),
                                       entries: (0..<prompts.shape[0]).map { AlbumEntry(sourceTask: "source\($0)") })
        return PromptAlbum(name: name, version: 0, manifest: manifest, prompts: prompts)
    }
}

extension LoadedTask {
    /// A task named `name` serving `prompt` with the plain `{input}` template (kind from the prompt).
    public static func inMemory(name: String, prompt: TaskPrompt) -> LoadedTask {
        let kind: TaskKind = switch prompt {
        case .fixed: .staticPrompt
        case .spe: .spe
        case .ensemble: .ensemble
        }
        return LoadedTask(name: name, version: 0, kind: kind, source: "memory", manifest: TaskManifest(kind: kind),
                          template: .plain, prompt: prompt, warnings: [])
    }
}
