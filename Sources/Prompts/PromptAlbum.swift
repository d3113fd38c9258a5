// The SPE source-prompt album (spec §7.1): M frozen snapshot prompts (M, l, d) shared by every SPE task that names
// it, loaded once. Its attention keys K_A (M, d) = row-wise max of each album prompt are precomputed here (§7.3).
import Foundation
import Kernels

/// A loaded, validated album. Immutable; shared by reference between all SPE tasks trained against it.
public final class PromptAlbum: Sendable {
    public let name: String
    /// Registry revision of the album directory (0 for a hand-placed folder).
    public let version: Int
    public let manifest: TaskManifest
    /// (M, l, d) source prompts, entry-major.
    public let prompts: Tensor
    /// (M, d) keys: k_j = max over the l rows of A_j.
    public let keys: Tensor
    /// "sha256:<hex>" of the float32-LE bytes of `prompts`.
    public let hash: String

    public var count: Int { prompts.shape[0] }
    public var promptLength: Int { prompts.shape[1] }
    public var dModel: Int { prompts.shape[2] }
    public var entries: [AlbumEntry] { manifest.album?.entries ?? [] }

    /// How an SPE attention weight over candidate `index` is labelled (HTTP and CLI alike): the entry's source task
    /// and its snapshot ("topic@0.6", "topic@step30"), or "task" past the album (ATTEMPT mode's P_task).
    public func candidateLabel(_ index: Int) -> String {
        guard index < entries.count else { return "task" }
        let entry = entries[index]
        return entry.sourceTask + (entry.fraction.map { "@\($0)" } ?? entry.step.map { "@step\($0)" } ?? "")
    }

    init(name: String, version: Int, manifest: TaskManifest, prompts: Tensor) {
        precondition(prompts.rank == 3, "album prompts must be (M, l, d), got \(prompts.shape)")
        self.name = name
        self.version = version
        self.manifest = manifest
        self.prompts = prompts
        self.hash = Self.hash(of: prompts)
        let (m, l, d) = (prompts.shape[0], prompts.shape[1], prompts.shape[2])
        let keys = Tensor(uninitialized: [m, d])  // (M, d)
        for j in 0..<m { rowMax(prompts.data + j * l * d, rows: l, dModel: d, into: keys.data + j * d) }
        self.keys = keys
    }

    /// The content hash Album records for an album tensor: `"sha256:" + hex(sha256(float32-LE bytes))`.
    public static func hash(of prompts: Tensor) -> String {
        "sha256:" + SHA256.hex(UnsafeRawBufferPointer(start: prompts.data, count: prompts.count * 4))
    }
}

/// out[j] = max_i x[i, j] over `rows` rows of width `dModel`.
func rowMax(_ x: UnsafePointer<Float>, rows: Int, dModel: Int, into out: UnsafeMutablePointer<Float>) {
    precondition(rows > 0, "max-pool over zero rows")
    out.update(from: x, count: dModel)
    for i in 1..<max(rows, 1) {
        let row = x + i * dModel
        for j in 0..<dModel where row[j] > out[j] { out[j] = row[j] }
    }
}
