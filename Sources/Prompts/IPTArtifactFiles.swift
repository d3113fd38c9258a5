// The files of the two IPT artifact kinds as in-memory (file name → bytes) maps, ready for `TaskRegistry.put(files:)`,
// an HTTP upload or a folder: a subspace (`task.json` + `subspace.safetensors`) and an IPT task (`task.json` +
// `ipt.safetensors`). The manifests get their kind and IPT section filled here, so the hash always matches.
import Foundation
import Kernels
import SafeTensors

public enum IPTArtifactFiles {
    /// A subspace's files; `manifest` keeps its name, base model and description.
    public static func subspace(_ autoencoder: IPTAutoencoder, manifest: TaskManifest, sources: [String]? = nil,
                                alpha: Double? = nil) throws(PromptsError) -> [String: Data] {
        var manifest = manifest
        manifest.kind = .iptSubspace
        manifest.promptLength = autoencoder.promptLength
        manifest.subspace = IPTSubspaceSettings(hash: autoencoder.contentHash, intrinsicDim: autoencoder.intrinsicDim,
                                                hidden: autoencoder.hidden, sources: sources, alpha: alpha)
        return [TaskManifest.fileName: manifest.encoded(),
                ArtifactLoader.subspaceFile: try tensors(autoencoder.namedTensors, file: ArtifactLoader.subspaceFile)]
    }

    /// An IPT task's files: z in subspace `subspace` (name and content hash).
    public static func task(z: Tensor, subspace name: String, hash: String, manifest: TaskManifest) throws(PromptsError) -> [String: Data] {
        var manifest = manifest
        manifest.kind = .ipt
        manifest.ipt = IPTSettings(subspace: name, subspaceHash: hash)
        return [TaskManifest.fileName: manifest.encoded(), ArtifactLoader.iptFile: try tensors([("z", z)], file: ArtifactLoader.iptFile)]
    }

    /// The static task equivalent to an IPT task: `prompt` (its Proj_b(z)) in Album's `prompt.safetensors`.
    public static func staticTask(prompt: Tensor, manifest: TaskManifest) throws(PromptsError) -> [String: Data] {
        var manifest = manifest
        manifest.kind = .staticPrompt
        manifest.ipt = nil
        manifest.promptFormat = .album
        manifest.promptLength = prompt.shape.first
        return [TaskManifest.fileName: manifest.encoded(),
                ArtifactLoader.staticPromptFile: try tensors([("prompt", prompt)], file: ArtifactLoader.staticPromptFile)]
    }

    /// Writes `files` into `directory` (created if needed), each file atomically.
    public static func write(_ files: [String: Data], to directory: URL) throws(PromptsError) {
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw .writeFailed(path: directory.path, reason: error.localizedDescription)
        }
        for (name, data) in files { try ArtifactWriter.writeFile(data, to: directory.appendingPathComponent(name)) }
    }

    private static func tensors(_ tensors: [(String, Tensor)], file: String) throws(PromptsError) -> Data {
        var encoder = SafeTensorsEncoder()
        for (name, tensor) in tensors { encoder.add(name: name, shape: tensor.shape, values: UnsafeBufferPointer(tensor.buffer)) }
        do { return try encoder.encoded() } catch { throw .writeFailed(path: file, reason: error.description) }
    }
}
