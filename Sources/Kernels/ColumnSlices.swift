// How Album's own streaming kernels (small-M, bf16, int8, the tied head's row-dot) use several threads: the output
// columns are cut into slices on 64-column boundaries, one per thread, and each slice runs the single-threaded
// kernel. Every output's arithmetic is the same whatever the split, so results stay bit-identical.
import Dispatch

public enum ColumnSlices {
    /// Weights per thread below which a call is not split (64 Ki = 256 KiB of fp32: every T5 projection splits over
    /// 2 threads; tiny test models stay on the caller).
    public static let minimumWeightsPerThread = 64 * 1024

    /// Runs `body` on column ranges covering 0..<columns: one range on the caller when the work (`weights` read per
    /// call) is small, else up to `threads` ranges in parallel (the caller takes one).
    public static func forEach(_ columns: Int, weights: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        let parts = min(threads, weights / minimumWeightsPerThread, columns / 64)
        guard parts > 1 else {
            if columns > 0 { body(0..<columns) }
            return
        }
        let width = ((columns + parts - 1) / parts + 63) / 64 * 64
        withoutActuallyEscaping(body) { body in
            let slice = SliceBody(run: body)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let start = part * width, end = min(columns, start + width)
                if start < end { slice.run(start..<end) }
            }
        }
    }
}

/// The slice body shared by the threads: it writes disjoint output columns only.
private struct SliceBody: @unchecked Sendable {
    let run: (Range<Int>) -> Void
}
