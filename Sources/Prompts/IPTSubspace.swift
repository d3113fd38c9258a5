// A loaded IPT intrinsic subspace (spec §8): the auto-encoder found by multi-task subspace finding, shared by every
// `ipt` task that names it and loaded once, like an album. Only Proj_b serves (each task's prompt Proj_b(z) is
// computed once when the task loads); Proj is kept for projecting a trained prompt into the subspace.

/// A loaded, validated subspace. Immutable; shared by reference between the IPT tasks trained in it.
public final class IPTSubspace: Sendable {
    public let name: String
    /// Registry revision of the subspace directory (0 for a hand-placed folder).
    public let version: Int
    public let manifest: TaskManifest
    public let autoencoder: IPTAutoencoder
    /// "sha256:<hex>" of the float32-LE bytes of its six tensors (`IPTAutoencoder.tensorNames` order).
    public let hash: String

    public var promptLength: Int { autoencoder.promptLength }
    public var intrinsicDim: Int { autoencoder.intrinsicDim }
    /// The source tasks it was found from (informational).
    public var sources: [String] { manifest.subspace?.sources ?? [] }
    /// Bytes of its tensors.
    public var tensorBytes: Int { autoencoder.namedTensors.reduce(0) { $0 + $1.1.count * 4 } }

    init(name: String, version: Int, manifest: TaskManifest, autoencoder: IPTAutoencoder) {
        self.name = name
        self.version = version
        self.manifest = manifest
        self.autoencoder = autoencoder
        hash = autoencoder.contentHash
    }
}
