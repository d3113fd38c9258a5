// T5's bucketed relative position bias: the table lives only in block 0 of each stack and is reused by every
// block. Port of HF modeling_t5.T5Attention._relative_position_bucket / compute_bias; the encoder uses
// bidirectional buckets, the decoder unidirectional ones.
import Foundation
import Kernels

final class RelativePositionBias: @unchecked Sendable {
    /// HF name of the table ("….block.0.layer.0.SelfAttention.relative_attention_bias.weight").
    let name: String
    let table: Tensor  // (numBuckets, numHeads), the nn.Embedding weight
    let bidirectional: Bool
    let numBuckets: Int
    let maxDistance: Int
    /// ∂loss/∂table (numBuckets, numHeads) when trainable, else nil (RelativePositionBias+Backward.swift).
    var gradient: Tensor?

    init(name: String, table: Tensor, bidirectional: Bool, numBuckets: Int, maxDistance: Int) {
        self.name = name
        self.table = table
        self.bidirectional = bidirectional
        self.numBuckets = numBuckets
        self.maxDistance = maxDistance
    }

    var numHeads: Int { table.shape[1] }

    /// HF `_relative_position_bucket` for one relative position (memory_position - query_position).
    /// Arithmetic in Float32 as torch does it, so bucket edges match exactly.
    static func bucket(relativePosition: Int, bidirectional: Bool, numBuckets: Int, maxDistance: Int) -> Int {
        var buckets = numBuckets
        var result = 0
        var position = relativePosition
        if bidirectional {
            buckets /= 2
            if position > 0 { result += buckets }
            position = abs(position)
        } else {
            position = -min(position, 0)
        }
        let maxExact = buckets / 2
        if position < maxExact { return result + position }
        // max_exact + (log(rp / max_exact) / math.log(max_distance / max_exact) * (num_buckets - max_exact)).long()
        let ratio = logf(Float(position) / Float(maxExact))
        let denominator = Float(Foundation.log(Double(maxDistance) / Double(maxExact)))
        let scaled = ratio / denominator * Float(buckets - maxExact)
        let large = maxExact + Int(scaled)
        return result + min(large, buckets - 1)
    }

    func bucket(_ relativePosition: Int) -> Int {
        Self.bucket(relativePosition: relativePosition, bidirectional: bidirectional, numBuckets: numBuckets,
                    maxDistance: maxDistance)
    }

    /// Bias rows for keys 0..<length: a (numHeads, 2·length - 1) tensor whose column `r + length - 1` holds the
    /// bias of relative position r = key - query. Row q of head h is the contiguous slice starting at
    /// column `length - 1 - q` (see `row(_:head:query:length:)`).
    func vectors(length: Int) -> Tensor {
        let span = 2 * length - 1
        let out = Tensor(uninitialized: [numHeads, span])
        for column in 0..<span {
            let bucketRow = table.data + bucket(column - (length - 1)) * numHeads
            for h in 0..<numHeads { out.data[h * span + column] = bucketRow[h] }
        }
        return out
    }

    /// Pointer to the bias of keys 0..<length for query `query` in `vectors` built for `length`.
    static func row(_ vectors: Tensor, head: Int, query: Int, length: Int) -> UnsafePointer<Float> {
        UnsafePointer(vectors.data + head * (2 * length - 1) + (length - 1 - query))
    }
}

extension T5Model {
    /// HF `T5Attention._relative_position_bucket` for one relative position (key - query).
    public static func relativePositionBucket(_ relativePosition: Int, bidirectional: Bool, numBuckets: Int,
                                              maxDistance: Int) -> Int {
        RelativePositionBias.bucket(relativePosition: relativePosition, bidirectional: bidirectional,
                                    numBuckets: numBuckets, maxDistance: maxDistance)
    }
}
