// Ragged sequences packed back to back, as every layer sees them: row-wise work (projections, norms, FFN) runs
// once over all `total` rows, attention runs per segment on its own length. No padding anywhere.

/// Lengths and start rows of packed segments.
struct PackedRows {
    /// Rows of each segment (may be 0 for a decoder segment with an empty target).
    let lengths: [Int]
    /// Start row of each segment; `offsets[i + 1] = offsets[i] + lengths[i]`, `offsets.last == total`.
    let offsets: [Int]

    init(lengths: [Int]) {
        self.lengths = lengths
        var offsets = [0]
        offsets.reserveCapacity(lengths.count + 1)
        for length in lengths { offsets.append(offsets.last! + length) }
        self.offsets = offsets
    }

    /// Segments of one row each (decode steps).
    init(singleRows count: Int) { self.init(lengths: Array(repeating: 1, count: count)) }

    var count: Int { lengths.count }
    var total: Int { offsets.last! }
    var maxLength: Int { lengths.max() ?? 0 }
}
