// Loads and validates one artifact directory: an Album task (`task.json` + tensors), a PEFT prompt adapter folder,
// a T5X `.npy` prompt folder, or an album. Validation: manifest, shapes, d_model, finite values, fingerprint and
// album hash. Tensor names appear only here (docs/task-format.md lists them).
import Foundation
import Kernels

/// A loaded artifact: a servable task or a shared album.
public enum LoadedArtifact: Sendable {
    case task(LoadedTask)
    case album(PromptAlbum)

    public var name: String {
        switch self {
        case .task(let task): task.name
        case .album(let album): album.name
        }
    }
}

public enum ArtifactLoader {
    public static let staticPromptFile = "prompt.safetensors"
    public static let speFile = "spe.safetensors"
    public static let albumFile = "album.safetensors"

    /// The manifest of the artifact in `directory`: `task.json`, or one synthesised for an import folder.
    /// - Throws: `PromptsError.badManifest` / `.unrecognisedArtifact`.
    public static func manifest(of directory: URL) throws(PromptsError) -> TaskManifest {
        let manifestURL = directory.appendingPathComponent(TaskManifest.fileName)
        if FileManager.default.fileExists(atPath: manifestURL.path) {
            let data: Data
            do { data = try Data(contentsOf: manifestURL) } catch {
                throw .unreadable(path: manifestURL.path, reason: error.localizedDescription)
            }
            return try TaskManifest.decode(data, path: manifestURL.path)
        }
        var manifest = TaskManifest(kind: .staticPrompt)
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent(PEFTAdapterConfig.fileName).path) {
            manifest.promptFormat = .peft
        } else if let npy = try? npyFiles(in: directory), npy.count == 1 {
            manifest.promptFormat = .t5x
            manifest.promptFile = npy[0]
        } else {
            throw .unrecognisedArtifact(path: directory.path, reason: "no task.json, no PEFT adapter_config.json and not exactly one .npy file")
        }
        return manifest
    }

    /// Loads the artifact in `directory` as `name` at registry revision `version`.
    /// - Parameters:
    ///   - albums: loaded albums by name (SPE tasks resolve theirs here).
    /// - Throws: `PromptsError` naming the file and the problem.
    public static func load(directory: URL, name: String, version: Int, model: BaseModelInfo,
                            albums: [String: PromptAlbum]) throws(PromptsError) -> LoadedArtifact {
        let manifest = try manifest(of: directory)
        let manifestPath = directory.appendingPathComponent(TaskManifest.fileName).path
        var warnings: [String] = []
        if let base = manifest.baseModel {
            if let d = base.dModel, d != model.dModel { throw .dModelMismatch(path: manifestPath, expected: model.dModel, got: d) }
            if let fingerprint = base.fingerprint, fingerprint != model.fingerprint {
                throw .fingerprintMismatch(path: manifestPath, expected: model.fingerprint, got: fingerprint)
            }
        }
        if manifest.baseModel?.fingerprint == nil && manifest.kind != .album {
            warnings.append("no baseModel.fingerprint: the artifact is not checked against the loaded checkpoint")
        }
        let template = try manifest.template.map { (text) throws(PromptsError) in try InputTemplate(text, path: manifestPath) } ?? .plain
        func checkLength(_ l: Int, path: String) throws(PromptsError) {
            if let declared = manifest.promptLength, declared != l {
                throw .badManifest(path: manifestPath, reason: "promptLength \(declared) but \(path) holds \(l) prompt rows")
            }
        }
        let d = model.dModel
        switch manifest.kind {
        case .album:
            let url = directory.appendingPathComponent(albumFile)
            var file = try StrictTensorFile(url: url)
            guard let shape = file.shape(of: "prompts"), shape.count == 3 else { throw .missingTensor(path: url.path, tensor: "prompts") }
            if shape[2] != d { throw .dModelMismatch(path: url.path, expected: d, got: shape[2]) }
            let prompts = try file.take("prompts", shape: [nil, manifest.promptLength, d])  // (M, l, d)
            try file.assertAllTaken()
            let album = PromptAlbum(name: name, version: version, manifest: manifest, prompts: prompts)
            let settings = manifest.album!
            if album.hash != settings.hash {
                throw .albumHashMismatch(path: url.path, album: name, expected: settings.hash, got: album.hash)
            }
            if settings.entries.count != album.count {
                throw .badManifest(path: manifestPath, reason: "album.entries lists \(settings.entries.count) entries for \(album.count) prompts")
            }
            return .album(album)

        case .staticPrompt:
            let prompt: Tensor  // (l, d)
            let source: String
            switch manifest.promptFormat ?? .album {
            case .album:
                let url = directory.appendingPathComponent(staticPromptFile)
                var file = try StrictTensorFile(url: url)
                if let shape = file.shape(of: "prompt"), shape.count == 2, shape[1] != d {
                    throw .dModelMismatch(path: url.path, expected: d, got: shape[1])
                }
                prompt = try file.take("prompt", shape: [manifest.promptLength, d])
                try file.assertAllTaken()
                source = "album"
            case .peft:
                let configURL = directory.appendingPathComponent(PEFTAdapterConfig.fileName)
                let config = try PEFTAdapterConfig(url: configURL)
                let weights = directory.appendingPathComponent(PEFTAdapterConfig.weightsName)
                guard FileManager.default.fileExists(atPath: weights.path) else {
                    let legacy = FileManager.default.fileExists(atPath: directory.appendingPathComponent("adapter_model.bin").path)
                    throw .unreadable(path: weights.path, reason: legacy
                        ? "only the pickled adapter_model.bin is present; re-save the adapter with safe_serialization=True"
                        : "file is missing")
                }
                prompt = try config.encoderPrompt(weights: weights, dModel: d, taskId: manifest.peftTaskId, warnings: &warnings)
                source = "peft:" + config.peftType.rawValue
            case .t5x:
                guard let fileName = manifest.promptFile ?? (try? npyFiles(in: directory))?.first else {
                    throw .badManifest(path: manifestPath, reason: "promptFormat 't5x' needs promptFile")
                }
                let url = directory.appendingPathComponent(fileName)
                prompt = try NumpyArray.read(url)
                guard prompt.rank == 2 else { throw .shapeMismatch(path: url.path, tensor: fileName, expected: [manifest.promptLength ?? -1, d], got: prompt.shape) }
                if prompt.shape[1] != d { throw .dModelMismatch(path: url.path, expected: d, got: prompt.shape[1]) }
                try StrictTensorFile.checkFinite(prompt, path: url.path, name: fileName)
                source = "t5x"
            }
            try checkLength(prompt.shape[0], path: directory.path)
            return .task(LoadedTask(name: name, version: version, kind: .staticPrompt, source: source, manifest: manifest,
                                    template: template, prompt: .fixed(prompt), warnings: warnings))

        case .spe:
            let settings = manifest.spe!
            guard let album = albums[settings.album] else { throw .missingAlbum(task: name, album: settings.album) }
            if album.hash != settings.albumHash {
                throw .albumHashMismatch(path: manifestPath, album: settings.album, expected: settings.albumHash, got: album.hash)
            }
            let url = directory.appendingPathComponent(speFile)
            var file = try StrictTensorFile(url: url)
            if let shape = file.shape(of: "task_prompt"), shape.count == 2, shape[1] != d {
                throw .dModelMismatch(path: url.path, expected: d, got: shape[1])
            }
            let taskPrompt = try file.take("task_prompt", shape: [album.promptLength, d])  // (l, d)
            guard let downShape = file.shape(of: "down.weight"), downShape.count == 2 else { throw .missingTensor(path: url.path, tensor: "down.weight") }
            let r = downShape[0]
            let down = try file.take("down.weight", shape: [r, d])  // (r, d)
            let up = try file.take("up.weight", shape: [d, r])  // (d, r)
            let gamma = try file.take("layer_norm.weight", shape: [d])  // (d)
            let beta = try file.take("layer_norm.bias", shape: [d])  // (d)
            try file.assertAllTaken()
            try checkLength(taskPrompt.shape[0], path: url.path)
            let pooling = settings.pooling ?? .max
            if pooling == .maxWithPad && manifest.maxInputTokens == nil {
                throw .badManifest(path: manifestPath, reason: "spe.pooling 'max-with-pad' needs maxInputTokens")
            }
            let module = SPEModule(
                taskPrompt: taskPrompt, down: down, up: up, gamma: gamma, beta: beta,
                temperature: Float(settings.temperature ?? Double(d) * M_E),
                layerNormEpsilon: Float(settings.layerNormEpsilon ?? 1e-5), pooling: pooling,
                includeTaskInAttention: settings.includeTaskInAttention ?? false, album: album,
                padEmbedding: model.padEmbedding, maxInputTokens: manifest.maxInputTokens)
            return .task(LoadedTask(name: name, version: version, kind: .spe, source: "spe", manifest: manifest,
                                    template: template, prompt: .spe(module), warnings: warnings))
        }
    }

    static func npyFiles(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".npy") }.sorted()
    }
}
