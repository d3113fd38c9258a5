// Loads and validates one artifact directory: an Album task (`task.json` + tensors), a PEFT prompt adapter folder,
// a T5X `.npy` prompt folder, or an album. Validation: manifest, shapes, d_model, finite values, fingerprint and
// album hash. Tensor names appear only here (docs/task-format.md lists them).
import Foundation
import Kernels

/// A loaded artifact: a servable task, a shared album or a shared IPT subspace.
public enum LoadedArtifact: Sendable {
    case task(LoadedTask)
    case album(PromptAlbum)
    case subspace(IPTSubspace)

    public var name: String {
        switch self {
        case .task(let task): task.name
        case .album(let album): album.name
        case .subspace(let subspace): subspace.name
        }
    }
}

public enum ArtifactLoader {
    public static let staticPromptFile = "prompt.safetensors"
    public static let speFile = "spe.safetensors"
    public static let albumFile = "album.safetensors"
    public static let subspaceFile = "subspace.safetensors"
    public static let iptFile = "ipt.safetensors"

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
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return try importManifest(fileNames: names, path: directory.path)
    }

    /// The manifest of an uploaded artifact (file name → contents), as `manifest(of:)` reads it from a folder.
    /// Errors name the files as "`label`/<file>".
    public static func manifest(ofFiles files: [String: Data], label: String) throws(PromptsError) -> TaskManifest {
        if let data = files[TaskManifest.fileName] {
            return try TaskManifest.decode(data, path: "\(label)/\(TaskManifest.fileName)")
        }
        return try importManifest(fileNames: Array(files.keys), path: label)
    }

    /// The manifest synthesised for an import folder without `task.json`.
    private static func importManifest(fileNames: [String], path: String) throws(PromptsError) -> TaskManifest {
        var manifest = TaskManifest(kind: .staticPrompt)
        let npy = fileNames.filter { $0.hasSuffix(".npy") }.sorted()
        if fileNames.contains(PEFTAdapterConfig.fileName) {
            manifest.promptFormat = .peft
        } else if npy.count == 1 {
            manifest.promptFormat = .t5x
            manifest.promptFile = npy[0]
        } else {
            throw .unrecognisedArtifact(path: path, reason: "no task.json, no PEFT adapter_config.json and not exactly one .npy file")
        }
        return manifest
    }

    /// Where a static task's prompt is when its manifest does not say (docs/task-format.md, `promptFormat`): Album's
    /// `prompt.safetensors`, else a PEFT adapter, else a single T5X `.npy`; Album's file is reported missing otherwise.
    static func detectedFormat(among fileNames: [String]) -> PromptFormat {
        if fileNames.contains(staticPromptFile) { return .album }
        if fileNames.contains(PEFTAdapterConfig.fileName) { return .peft }
        if fileNames.filter({ $0.hasSuffix(".npy") }).count == 1 { return .t5x }
        return .album
    }

    /// The only file names an artifact with `manifest` is made of (an upload holding anything else is refused).
    /// - Parameter fileNames: the files at hand, for a T5X import that names no `promptFile` (the first `.npy`).
    public static func fileNames(of manifest: TaskManifest, among fileNames: [String]) -> Set<String> {
        switch manifest.kind {
        case .album: return [TaskManifest.fileName, albumFile]
        case .spe: return [TaskManifest.fileName, speFile]
        case .iptSubspace: return [TaskManifest.fileName, subspaceFile]
        case .ipt: return [TaskManifest.fileName, iptFile]
        case .ensemble: return Set([TaskManifest.fileName] + (manifest.ensemble?.members.map(\.file) ?? []))
        case .staticPrompt:
            switch manifest.promptFormat ?? detectedFormat(among: fileNames) {
            case .album: return [TaskManifest.fileName, staticPromptFile]
            case .peft: return [TaskManifest.fileName, PEFTAdapterConfig.fileName, PEFTAdapterConfig.weightsName]
            case .t5x:
                let npy = manifest.promptFile ?? fileNames.filter { $0.hasSuffix(".npy") }.sorted().first
                return Set([TaskManifest.fileName] + (npy.map { [$0] } ?? []))
            }
        }
    }

    /// Loads the artifact in `directory` as `name` at registry revision `version`.
    /// - Parameters:
    ///   - albums: loaded albums by name (SPE tasks resolve theirs here).
    ///   - subspaces: loaded IPT subspaces by name (IPT tasks resolve theirs here).
    ///   - limits: what the artifact may declare and hold (prompt rows, decoding and input limits).
    /// - Throws: `PromptsError` naming the file and the problem.
    public static func load(directory: URL, name: String, version: Int, model: BaseModelInfo,
                            albums: [String: PromptAlbum], subspaces: [String: IPTSubspace] = [:],
                            limits: ArtifactLimits = ArtifactLimits()) throws(PromptsError) -> LoadedArtifact {
        let manifest = try manifest(of: directory)
        let manifestPath = directory.appendingPathComponent(TaskManifest.fileName).path
        try limits.check(manifest, path: manifestPath)
        var warnings: [String] = []
        if let base = manifest.baseModel {
            if let d = base.dModel, d != model.dModel { throw .dModelMismatch(path: manifestPath, expected: model.dModel, got: d) }
            if let fingerprint = base.fingerprint, fingerprint != model.fingerprint {
                throw .fingerprintMismatch(path: manifestPath, expected: model.fingerprint, got: fingerprint)
            }
        }
        if manifest.baseModel?.fingerprint == nil && !manifest.kind.isShared {
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
            try limits.checkPromptLength(shape[1], path: url.path, tensor: "prompts")
            let prompts = try file.take("prompts", shape: [nil, manifest.promptLength, d])  // (M, l, d), no zero dimension
            try file.assertAllTaken()
            guard let settings = manifest.album else { throw .badManifest(path: manifestPath, reason: "kind 'album' needs an 'album' section") }
            let album = PromptAlbum(name: name, version: version, manifest: manifest, prompts: prompts)
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
            let present = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            switch manifest.promptFormat ?? detectedFormat(among: present) {
            case .album:
                let url = directory.appendingPathComponent(staticPromptFile)
                var file = try StrictTensorFile(url: url)
                if let shape = file.shape(of: "prompt"), shape.count == 2 {
                    if shape[1] != d { throw .dModelMismatch(path: url.path, expected: d, got: shape[1]) }
                    try limits.checkPromptLength(shape[0], path: url.path, tensor: "prompt")
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
                prompt = try config.encoderPrompt(weights: weights, dModel: d, taskId: manifest.peftTaskId, limits: limits,
                                                  warnings: &warnings)
                source = "peft:" + config.peftType.rawValue
            case .t5x:
                guard let fileName = manifest.promptFile ?? (try? npyFiles(in: directory))?.first else {
                    throw .badManifest(path: manifestPath, reason: "promptFormat 't5x' needs promptFile")
                }
                // A plain name (TaskManifest.decode checks promptFile), so the file is inside `directory`.
                guard TaskManifest.isPlainFileName(fileName) else {
                    throw .badManifest(path: manifestPath, reason: "promptFile must be the name of a file in the task's own folder")
                }
                let url = directory.appendingPathComponent(fileName)
                prompt = try NumpyArray.read(url)
                guard prompt.rank == 2 else { throw .shapeMismatch(path: url.path, tensor: fileName, expected: [manifest.promptLength ?? -1, d], got: prompt.shape) }
                if prompt.shape[1] != d { throw .dModelMismatch(path: url.path, expected: d, got: prompt.shape[1]) }
                if prompt.shape[0] == 0 { throw .badTensor(path: url.path, tensor: fileName, reason: "zero-sized dimension in shape \(prompt.shape)") }
                try limits.checkPromptLength(prompt.shape[0], path: url.path, tensor: fileName)
                try StrictTensorFile.checkFinite(prompt, path: url.path, name: fileName)
                source = "t5x"
            }
            try checkLength(prompt.shape[0], path: directory.path)
            return .task(LoadedTask(name: name, version: version, kind: .staticPrompt, source: source, manifest: manifest,
                                    template: template, prompt: .fixed(prompt), warnings: warnings))

        case .ensemble:
            guard let settings = manifest.ensemble else { throw .badManifest(path: manifestPath, reason: "kind 'ensemble' needs an 'ensemble' section") }
            let members = try ensembleMembers(settings, in: directory, manifestPath: manifestPath, model: model, limits: limits)
            try checkLength(members[0].shape[0], path: directory.path)
            return .task(LoadedTask(name: name, version: version, kind: .ensemble, source: "ensemble", manifest: manifest,
                                    template: template, prompt: .ensemble(members: members, combine: settings.combine),
                                    warnings: warnings))

        case .spe:
            guard let settings = manifest.spe else { throw .badManifest(path: manifestPath, reason: "kind 'spe' needs an 'spe' section") }
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
            // Checked after the conversion to Float: 1e-300 is positive as a Double but 0 as a Float.
            let temperature = Float(settings.temperature ?? Double(d) * M_E)
            let epsilon = Float(settings.layerNormEpsilon ?? 1e-5)
            guard temperature.isNormal && temperature > 0 else {
                throw .badManifest(path: manifestPath, reason: "spe.temperature \(settings.temperature ?? 0) is not a positive normal 32-bit float")
            }
            guard epsilon.isNormal && epsilon > 0 else {
                throw .badManifest(path: manifestPath, reason: "spe.layerNormEpsilon \(settings.layerNormEpsilon ?? 0) is not a positive normal 32-bit float")
            }
            let module = SPEModule(
                taskPrompt: taskPrompt, down: down, up: up, gamma: gamma, beta: beta, temperature: temperature,
                layerNormEpsilon: epsilon, pooling: pooling,
                includeTaskInAttention: settings.includeTaskInAttention ?? false, album: album,
                padEmbedding: model.padEmbedding, maxInputTokens: manifest.maxInputTokens)
            if let problem = module.scoreRangeProblem() { throw .badManifest(path: manifestPath, reason: problem) }
            return .task(LoadedTask(name: name, version: version, kind: .spe, source: "spe", manifest: manifest,
                                    template: template, prompt: .spe(module), warnings: warnings))

        case .iptSubspace:
            return .subspace(try loadSubspace(directory: directory, name: name, version: version, manifest: manifest,
                                              dModel: d, limits: limits))

        case .ipt:
            guard let settings = manifest.ipt else { throw .badManifest(path: manifestPath, reason: "kind 'ipt' needs an 'ipt' section") }
            guard let subspace = subspaces[settings.subspace] else { throw .missingSubspace(task: name, subspace: settings.subspace) }
            if subspace.hash != settings.subspaceHash {
                throw .subspaceHashMismatch(path: manifestPath, subspace: settings.subspace, expected: settings.subspaceHash,
                                            got: subspace.hash)
            }
            let autoencoder = subspace.autoencoder
            if autoencoder.dModel != d { throw .dModelMismatch(path: manifestPath, expected: d, got: autoencoder.dModel) }
            let url = directory.appendingPathComponent(iptFile)
            var file = try StrictTensorFile(url: url)
            let z = try file.take("z", shape: [autoencoder.intrinsicDim])  // (d_I)
            try file.assertAllTaken()
            // Computed once here; every request shares it like a static prompt.
            let prompt = autoencoder.prompt(for: z)  // (n, d)
            try StrictTensorFile.checkFinite(prompt, path: url.path, name: "Proj_b(z)")
            try checkLength(prompt.shape[0], path: url.path)
            return .task(LoadedTask(name: name, version: version, kind: .ipt, source: "ipt", manifest: manifest,
                                    template: template, prompt: .fixed(prompt), warnings: warnings, subspace: subspace))
        }
    }

    /// The IPT subspace in `directory`: every dimension bounded before a byte is read, every tensor's shape fixed
    /// by the manifest, and the content hash checked.
    private static func loadSubspace(directory: URL, name: String, version: Int, manifest: TaskManifest, dModel d: Int,
                                     limits: ArtifactLimits) throws(PromptsError) -> IPTSubspace {
        let manifestPath = directory.appendingPathComponent(TaskManifest.fileName).path
        guard let settings = manifest.subspace, let n = manifest.promptLength else {
            throw .badManifest(path: manifestPath, reason: "kind 'ipt-subspace' needs a 'subspace' section and promptLength")
        }
        let (di, h) = (settings.intrinsicDim, settings.hidden)
        let flat = try limits.checkSubspace(promptLength: n, dModel: d, intrinsicDim: di, hidden: h, path: manifestPath)
        let url = directory.appendingPathComponent(subspaceFile)
        var file = try StrictTensorFile(url: url)
        // A subspace made for another width: name the width rather than only the shape.
        if let shape = file.shape(of: "proj_b.out.bias"), shape.count == 1, shape[0] != flat, shape[0] % n == 0 {
            throw .dModelMismatch(path: url.path, expected: d, got: shape[0] / n)
        }
        let names = IPTAutoencoder.tensorNames
        let w1 = try file.take(names[0], shape: [di, flat])
        let b1 = try file.take(names[1], shape: [di])
        let w2 = try file.take(names[2], shape: [h, di])
        let b2 = try file.take(names[3], shape: [h])
        let w3 = try file.take(names[4], shape: [flat, h])
        let b3 = try file.take(names[5], shape: [flat])
        try file.assertAllTaken()
        let autoencoder = IPTAutoencoder(projWeight: w1, projBias: b1, hiddenWeight: w2, hiddenBias: b2, outWeight: w3,
                                         outBias: b3, promptLength: n, dModel: d)
        let subspace = IPTSubspace(name: name, version: version, manifest: manifest, autoencoder: autoencoder)
        if subspace.hash != settings.hash {
            throw .subspaceHashMismatch(path: url.path, subspace: name, expected: settings.hash, got: subspace.hash)
        }
        return subspace
    }

    static func npyFiles(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".npy") }.sorted()
    }
}
