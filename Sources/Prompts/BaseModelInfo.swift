// What a task artifact is checked against: the width of the loaded T5 and a fingerprint of its checkpoint.
// The fingerprint is SHA-256 over a short text header and the Float32 little-endian bytes of the shared embedding
// table (V, d). Tests/Fixtures/make_prompt_fixtures.py and models/make_demo.py compute the same value in Python.
import Foundation
import Kernels
import SafeTensors

/// The facts about the resident base model that task validation and SPE pooling need.
public struct BaseModelInfo: Sendable {
    /// d_model of the checkpoint.
    public let dModel: Int
    /// "sha256:<hex>" over the embedding table; see `BaseModelInfo.fingerprint(embedding:)`.
    public let fingerprint: String
    /// Row 0 of the embedding table (the pad token), (d). Used by the ATTEMPT-parity pooling mode only.
    public let padEmbedding: [Float]

    public init(dModel: Int, fingerprint: String, padEmbedding: [Float]) {
        precondition(padEmbedding.count == dModel, "pad embedding has \(padEmbedding.count) values, d_model is \(dModel)")
        self.dModel = dModel
        self.fingerprint = fingerprint
        self.padEmbedding = padEmbedding
    }

    /// Fingerprint of an embedding table `embedding` (V, d):
    /// `sha256("album-model-fingerprint/1 d_model=<d> vocab=<V>\n" ++ float32-LE bytes of the table)`.
    public static func fingerprint(embedding: Tensor) -> String {
        precondition(embedding.rank == 2, "embedding must be (V, d), got \(embedding.shape)")
        var hasher = SHA256()
        hasher.update(Array("album-model-fingerprint/1 d_model=\(embedding.shape[1]) vocab=\(embedding.shape[0])\n".utf8))
        // Tensor storage is native Float32; every platform Album builds for is little-endian.
        hasher.update(UnsafeRawBufferPointer(start: embedding.data, count: embedding.count * 4))
        return "sha256:" + hasher.finalizeHex()
    }

    /// Model info from an embedding table (V, d) already in memory.
    public init(embedding: Tensor) {
        let d = embedding.shape[1]
        self.init(dModel: d, fingerprint: Self.fingerprint(embedding: embedding),
                  padEmbedding: Array(UnsafeBufferPointer(start: embedding.data, count: d)))
    }

    /// The checkpoint names under which HF T5 checkpoints store the shared embedding, in lookup order.
    static let embeddingKeys = ["shared.weight", "encoder.embed_tokens.weight", "decoder.embed_tokens.weight"]

    /// Reads the shared embedding of the HF checkpoint in `directory` and fingerprints it.
    /// - Throws: `PromptsError.unreadable` when the weights cannot be opened or hold no embedding table.
    public init(checkpoint directory: URL) throws(PromptsError) {
        let checkpoint: SafeTensorsCheckpoint
        do { checkpoint = try SafeTensorsCheckpoint(directory: directory) } catch {
            throw .unreadable(path: directory.path, reason: error.description)
        }
        guard let key = Self.embeddingKeys.first(where: { checkpoint.tensors[$0] != nil }),
              let info = checkpoint.tensors[key], info.shape.count == 2
        else { throw .unreadable(path: directory.path, reason: "no 2-D embedding table among \(Self.embeddingKeys)") }
        let table = Tensor(uninitialized: info.shape)  // (V, d)
        do { try checkpoint.read(key, into: table.data) } catch {
            throw .unreadable(path: directory.path, reason: error.description)
        }
        self.init(embedding: table)
    }
}
