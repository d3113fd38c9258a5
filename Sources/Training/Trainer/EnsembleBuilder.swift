// `album ensemble build`: one ensemble task from K static task folders of the same task (e.g. `album train prompt`
// runs with different seeds). Every member is loaded and validated against the checkpoint as the server would; they
// must share template, labels and prompt shape. Member prompts are copied in as `member-XX.safetensors`, then
// `task.json` is written atomically (last), and the result is loaded once more as the server will load it.
import Foundation
import Kernels
import Prompts
import SafeTensors

public enum EnsembleBuilder {
    /// Builds the ensemble of `members` (task folders, in member order) into `directory` (absent or empty).
    /// - Returns: the written manifest.
    /// - Throws: `TrainingError.setup` naming the member that does not fit, and why.
    @discardableResult
    public static func build(members: [URL], name: String?, combine: EnsembleCombine, model: BaseModelInfo,
                             limits: ArtifactLimits = ArtifactLimits(), to directory: URL) throws(TrainingError) -> TaskManifest {
        guard members.count >= EnsembleSettings.minimumMembers else {
            throw .setup("an ensemble needs at least \(EnsembleSettings.minimumMembers) task folders, got \(members.count)")
        }
        guard members.count <= limits.maxEnsembleMembers else {
            throw .setup("\(members.count) task folders, more than the limit of \(limits.maxEnsembleMembers) members")
        }
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        guard existing.isEmpty else { throw .setup("\(directory.path) exists and is not empty") }
        var tasks: [LoadedTask] = []
        var prompts: [Tensor] = []
        for url in members {
            let artifact: LoadedArtifact
            do {
                artifact = try ArtifactLoader.load(directory: url, name: url.standardizedFileURL.lastPathComponent,
                                                   version: 0, model: model, albums: [:], limits: limits)
            } catch { throw .setup("\(url.path): \(error)") }
            guard case .task(let task) = artifact, case .fixed(let prompt) = task.prompt else {
                throw .setup("\(url.path): not a static task (an ensemble is made of static prompts)")
            }
            if let first = tasks.first {
                if task.template.source != first.template.source {
                    throw .setup("\(url.path): template '\(task.template.source)' differs from '\(first.template.source)' of \(members[0].path)")
                }
                if task.labels != first.labels {
                    throw .setup("\(url.path): labels \(task.labels ?? []) differ from \(first.labels ?? []) of \(members[0].path)")
                }
                if prompt.shape != prompts[0].shape {
                    throw .setup("\(url.path): prompt shape \(prompt.shape) differs from \(prompts[0].shape) of \(members[0].path)")
                }
            } else if task.labels == nil {
                throw .setup("\(url.path): no labels (an ensemble serves rank classification)")
            }
            tasks.append(task)
            prompts.append(prompt)
        }
        let first = tasks[0]
        var manifest = TaskManifest(kind: .ensemble)
        manifest.name = name ?? directory.standardizedFileURL.lastPathComponent
        manifest.description = "Ensemble (\(combine.rawValue)) of \(members.count) prompts of one task."
        manifest.baseModel = BaseModelRef(fingerprint: model.fingerprint, dModel: model.dModel)
        manifest.promptLength = prompts[0].shape[0]
        manifest.template = first.manifest.template
        manifest.labels = first.labels
        manifest.maxInputTokens = first.maxInputTokens
        manifest.decoding = DecodingDefaults(mode: .rank, maxNewTokens: first.decoding.maxNewTokens)
        let files = members.indices.map { String(format: "member-%02d.safetensors", $0) }
        manifest.ensemble = EnsembleSettings(combine: combine, members: zip(files, members).map {
            EnsembleMember(file: $0, source: $1.standardizedFileURL.path)
        })
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for (file, prompt) in zip(files, prompts) {
                try SafeTensorsWriter.write([.init(name: "prompt", shape: prompt.shape, values: prompt.array)],
                                            to: directory.appendingPathComponent(file))
            }
            try AtomicFile.write(manifest.encoded(), to: directory.appendingPathComponent(TaskManifest.fileName))
        } catch {
            throw .setup("cannot write the ensemble in \(directory.path): \(error)")
        }
        do {
            _ = try ArtifactLoader.load(directory: directory, name: directory.standardizedFileURL.lastPathComponent,
                                        version: 0, model: model, albums: [:], limits: limits)
        } catch { throw .setup("the written ensemble does not load: \(error)") }
        return manifest
    }
}
