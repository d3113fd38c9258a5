// Writing trained artifacts in Album's task format (docs/task-format.md), every file atomically: a static prompt
// (`prompt.safetensors`), an SPE module (`spe.safetensors`), an album (`album.safetensors` with its content hash and
// entries), an IPT subspace (`subspace.safetensors` with its hash) and an IPT task (`ipt.safetensors`: z), each with
// `task.json`; and `buildAlbum`, which concatenates source albums into one.
import Foundation
import Kernels
import Prompts
import SafeTensors

public enum TaskArtifacts {
    public static func writeStatic(prompt: Tensor, manifest: TaskManifest, to directory: URL) throws(TrainingError) {
        try write([("prompt", prompt)], file: ArtifactLoader.staticPromptFile, manifest: manifest, to: directory)
    }

    public static func writeSPE(tensors: [(String, Tensor)], manifest: TaskManifest, to directory: URL) throws(TrainingError) {
        try write(tensors, file: ArtifactLoader.speFile, manifest: manifest, to: directory)
    }

    /// An album of `prompts` (M, l, d); the manifest's album section is filled (hash, entries).
    public static func writeAlbum(prompts: Tensor, entries: [AlbumEntry], manifest: TaskManifest,
                                  to directory: URL) throws(TrainingError) {
        var manifest = manifest
        manifest.kind = .album
        manifest.promptLength = prompts.shape[1]
        manifest.album = AlbumSettings(hash: PromptAlbum.hash(of: prompts), entries: entries)
        try write([("prompts", prompts)], file: ArtifactLoader.albumFile, manifest: manifest, to: directory)
    }

    /// An IPT subspace; the manifest's kind, promptLength and subspace section (hash, d_I, H) are filled.
    /// - Returns: the subspace's content hash.
    @discardableResult
    public static func writeSubspace(_ autoencoder: IPTAutoencoder, sources: [String], alpha: Double, manifest: TaskManifest,
                                     to directory: URL) throws(TrainingError) -> String {
        var manifest = manifest
        manifest.kind = .iptSubspace
        manifest.promptLength = autoencoder.promptLength
        manifest.template = nil
        manifest.labels = nil
        manifest.decoding = nil
        let hash = autoencoder.contentHash
        manifest.subspace = IPTSubspaceSettings(hash: hash, intrinsicDim: autoencoder.intrinsicDim, hidden: autoencoder.hidden,
                                                sources: sources, alpha: alpha)
        try write(autoencoder.namedTensors, file: ArtifactLoader.subspaceFile, manifest: manifest, to: directory)
        return hash
    }

    /// An IPT task: z (d_I) in the subspace the manifest's `ipt` section names.
    public static func writeIPT(z: Tensor, manifest: TaskManifest, to directory: URL) throws(TrainingError) {
        var manifest = manifest
        manifest.kind = .ipt
        try write([("z", z)], file: ArtifactLoader.iptFile, manifest: manifest, to: directory)
    }

    /// One album from several: entries in the order of `sources` (task-major), prompts concatenated, a new hash.
    /// - Returns: the new album's hash.
    @discardableResult
    public static func buildAlbum(sources: [URL], name: String?, to directory: URL) throws(TrainingError) -> String {
        var values: [Float] = []
        var entries: [AlbumEntry] = []
        var shape: [Int]?
        var base: BaseModelRef?
        for source in sources {
            let manifest: TaskManifest
            do { manifest = try ArtifactLoader.manifest(of: source) } catch { throw .setup("\(error)") }
            guard manifest.kind == .album, let album = manifest.album else {
                throw .setup("\(source.path): not an album (train source tasks with `album train source`)")
            }
            let file: SafeTensorsFile
            do { file = try SafeTensorsFile(url: source.appendingPathComponent(ArtifactLoader.albumFile)) } catch {
                throw .setup("\(source.path): \(error)")
            }
            guard let info = file.tensors["prompts"], info.shape.count == 3 else { throw .setup("\(source.path): no (M, l, d) prompts") }
            if let shape, Array(shape.dropFirst()) != Array(info.shape.dropFirst()) {
                throw .setup("\(source.path): prompts \(info.shape) do not match \(shape) of the other sources")
            }
            if let fingerprint = base?.fingerprint, let other = manifest.baseModel?.fingerprint, fingerprint != other {
                throw .setup("\(source.path): trained on another base model (\(other))")
            }
            base = base ?? manifest.baseModel
            let floats: [Float]
            do { floats = try file.floats("prompts") } catch { throw .setup("\(source.path): \(error)") }
            guard PromptAlbum.hash(of: Tensor(shape: info.shape, values: floats)) == album.hash else {
                throw .setup("\(source.path): album.hash does not match its prompts")
            }
            values += floats
            entries += album.entries
            shape = [(shape?[0] ?? 0) + info.shape[0], info.shape[1], info.shape[2]]
        }
        guard let shape else { throw .setup("album build: no sources") }
        let prompts = Tensor(shape: shape, values: values)
        var manifest = TaskManifest(kind: .album)
        manifest.name = name ?? directory.lastPathComponent
        manifest.baseModel = base
        manifest.description = "Album of \(entries.count) source-prompt snapshots from \(Set(entries.map(\.sourceTask)).sorted().joined(separator: ", "))."
        try writeAlbum(prompts: prompts, entries: entries, manifest: manifest, to: directory)
        return PromptAlbum.hash(of: prompts)
    }

    private static func write(_ tensors: [(String, Tensor)], file: String, manifest: TaskManifest,
                              to directory: URL) throws(TrainingError) {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let entries = tensors.map { SafeTensorsWriter.Entry(name: $0.0, shape: $0.1.shape, values: $0.1.array) }
            try SafeTensorsWriter.write(entries, to: directory.appendingPathComponent(file))
            try AtomicFile.write(manifest.encoded(), to: directory.appendingPathComponent(TaskManifest.fileName))
        } catch {
            throw .setup("cannot write the artifact in \(directory.path): \(error)")
        }
    }
}
