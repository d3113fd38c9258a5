// Scaled-dot-product attention as T5 does it (no 1/sqrt(d_kv) scale), for one sequence and all heads:
// out_h = softmax(Q_h K_hᵀ + bias_h [+ causal mask]) V_h. Port of HF eager_attention_forward with scaling = 1.
// Q, K, V are strided views into fused buffers (heads side by side, d_kv columns each).
// Legend: Lq = queries, Lk = keys, H = heads, dkv = head dim.
import CKernels
import Dispatch
import Kernels

struct AttentionShape {
    let heads: Int
    let headDim: Int
}

/// Runs attention for one sequence over all heads.
/// - Parameters:
///   - q: (Lq, ·) with row stride `ldq`; head h at column h·dkv. k, v likewise with `ldk`, `ldv`.
///   - out: (Lq, ·) with row stride `ldo`; head h written at column h·dkv.
///   - scores: scratch of ≥ Lq·Lk floats.
///   - bias: bias row pointer for (head, query) over keys 0..<Lk, or nil for none (cross-attention).
///   - causal: query i sees keys 0...i + `causalOffset` only.
///   - recording: a training forward: where to keep every head's probabilities, and their dropout (nil when
///     serving: the probabilities then live in `scores` one head at a time).
func attend(q: UnsafePointer<Float>, ldq: Int, k: UnsafePointer<Float>, ldk: Int, v: UnsafePointer<Float>, ldv: Int,
            queries lq: Int, keys lk: Int, shape: AttentionShape,
            out: UnsafeMutablePointer<Float>, ldo: Int, scores sharedScores: UnsafeMutablePointer<Float>,
            bias: ((Int, Int) -> UnsafePointer<Float>)?, causal: Bool, causalOffset: Int = 0,
            recording: AttentionRecording? = nil, splitHeads: Bool = true) {
    let dkv = shape.headDim
    // Serving with OpenBLAS pinned to one thread (int8): heads in parallel on Album's threads, each with its own
    // scores scratch; every head's arithmetic is the same as in the loop below, so results do not change.
    let parts = min(KernelThreads.count, shape.heads)
    if splitHeads && recording == nil && lq > 1 && parts > 1 && KernelThreads.splitsAttentionHeads {
        // (parts - 1, Lq, Lk): the calling thread's reusable scratch (a fresh allocation per call page-faulted).
        let count = (parts - 1) * lq * lk
        var owned: UnsafeMutablePointer<Float>?
        defer { owned?.deallocate() }
        let extra: UnsafeMutablePointer<Float>
        if let scratch = album_thread_scratch(4, count * MemoryLayout<Float>.stride) {
            extra = scratch.assumingMemoryBound(to: Float.self)
        } else {
            owned = .allocate(capacity: count)
            extra = owned!
        }
        let bits = (q: Int(bitPattern: q), k: Int(bitPattern: k), v: Int(bitPattern: v), out: Int(bitPattern: out),
                    shared: Int(bitPattern: sharedScores), extra: Int(bitPattern: extra))
        let perPart = (shape.heads + parts - 1) / parts
        withoutActuallyEscaping(bias ?? { _, _ in UnsafePointer<Float>(bitPattern: 1)! }) { biasRow in
            let hasBias = bias != nil, rows = BiasRows(row: biasRow)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let scores = part == 0 ? UnsafeMutablePointer<Float>(bitPattern: bits.shared)!
                    : UnsafeMutablePointer<Float>(bitPattern: bits.extra)! + (part - 1) * lq * lk
                for h in (part * perPart)..<min(shape.heads, (part + 1) * perPart) {
                    attendHead(h, q: UnsafePointer(bitPattern: bits.q)!, ldq: ldq, k: UnsafePointer(bitPattern: bits.k)!,
                               ldk: ldk, v: UnsafePointer(bitPattern: bits.v)!, ldv: ldv, queries: lq, keys: lk,
                               headDim: dkv, out: UnsafeMutablePointer(bitPattern: bits.out)!, ldo: ldo,
                               scores: scores, bias: hasBias ? rows.row : nil, causal: causal,
                               causalOffset: causalOffset)
                }
            }
        }
        return
    }
    for h in 0..<shape.heads {
        let qh = q + h * dkv, kh = k + h * dkv, vh = v + h * dkv, oh = out + h * dkv
        // (Lq, Lk) probabilities of head h: the shared scratch, or the recording's slot for the head.
        let scores = recording.map { $0.probabilities + h * lq * lk } ?? sharedScores
        if lq == 1 {
            // Decode: scores (Lk) = K_h (Lk, dkv) · q_h ; out_h (dkv) = V_hᵀ · p.
            Matmul.gemv(rows: lk, columns: dkv, a: kh, lda: ldk, transposed: false, x: qh, y: scores)
            let valid = causal ? min(lk, 1 + causalOffset) : lk
            softmaxRow(scores, bias: bias?(h, 0), valid: valid, total: lk)
            let product = recording?.dropped(scores, head: h, count: lk) ?? UnsafePointer(scores)  // (Lk)
            Matmul.gemv(rows: valid, columns: dkv, a: vh, lda: ldv, transposed: true, x: product, y: oh)
        } else {
            // scores (Lq, Lk) = Q_h · K_hᵀ
            Matmul.gemm(m: lq, n: lk, k: dkv, a: qh, lda: ldq, b: kh, ldb: ldk, transposedB: true, c: scores, ldc: lk)
            for i in 0..<lq {
                let valid = causal ? min(lk, i + 1 + causalOffset) : lk
                softmaxRow(scores + i * lk, bias: bias?(h, i), valid: valid, total: lk)
            }
            // out_h (Lq, dkv) = P (Lq, Lk) · V_h (Lk, dkv), P dropped when training with dropout
            let product = recording?.dropped(scores, head: h, count: lq * lk) ?? UnsafePointer(scores)
            Matmul.gemm(m: lq, n: dkv, k: lk, a: product, lda: lk, b: vh, ldb: ldv, c: oh, ldc: ldo)
        }
    }
}

/// Runs `body(segment, scores)` for every segment 0..<count, split over Album's threads when OpenBLAS is pinned to
/// one thread (int8 serving) and there is no training tape; else in order on the caller with `shared` scores.
/// Each thread gets its own scores scratch of `scoresCount` floats; segments write disjoint outputs.
func forEachSegment(_ count: Int, scoresCount: Int, shared: UnsafeMutablePointer<Float>, recording: Bool,
                    _ body: (Int, UnsafeMutablePointer<Float>, _ parallel: Bool) -> Void) {
    let parts = min(KernelThreads.count, count)
    guard !recording && parts > 1 && KernelThreads.splitsAttentionHeads else {
        for segment in 0..<count { body(segment, shared, false) }
        return
    }
    let perPart = (count + parts - 1) / parts
    let sharedBits = Int(bitPattern: shared)
    withoutActuallyEscaping(body) { body in
        let run = SegmentBody(run: body)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let range = (part * perPart)..<min(count, (part + 1) * perPart)
            guard !range.isEmpty else { return }
            // Part 0 may run on the caller, whose `shared` buffer is free; the others use their thread's scratch.
            var owned: UnsafeMutablePointer<Float>?
            defer { owned?.deallocate() }
            let scores: UnsafeMutablePointer<Float>
            if part == 0 {
                scores = UnsafeMutablePointer<Float>(bitPattern: sharedBits)!
            } else if let scratch = album_thread_scratch(5, scoresCount * MemoryLayout<Float>.stride) {
                scores = scratch.assumingMemoryBound(to: Float.self)
            } else {
                owned = .allocate(capacity: scoresCount)
                scores = owned!
            }
            for segment in range { run.run(segment, scores, true) }
        }
    }
}

private struct SegmentBody: @unchecked Sendable {
    let run: (Int, UnsafeMutablePointer<Float>, Bool) -> Void
}

/// The bias-row lookup shared by the head threads: it only reads tensors that outlive the call.
private struct BiasRows: @unchecked Sendable {
    let row: (Int, Int) -> UnsafePointer<Float>
}

/// Head h of `attend` for many queries, serving only (no recording): scores (Lq, Lk) = Q_h K_hᵀ, softmax with bias
/// and mask per row, out_h = P V_h.
private func attendHead(_ h: Int, q: UnsafePointer<Float>, ldq: Int, k: UnsafePointer<Float>, ldk: Int,
                        v: UnsafePointer<Float>, ldv: Int, queries lq: Int, keys lk: Int, headDim dkv: Int,
                        out: UnsafeMutablePointer<Float>, ldo: Int, scores: UnsafeMutablePointer<Float>,
                        bias: ((Int, Int) -> UnsafePointer<Float>)?, causal: Bool, causalOffset: Int) {
    let qh = q + h * dkv, kh = k + h * dkv, vh = v + h * dkv, oh = out + h * dkv
    Matmul.gemm(m: lq, n: lk, k: dkv, a: qh, lda: ldq, b: kh, ldb: ldk, transposedB: true, c: scores, ldc: lk)
    for i in 0..<lq {
        let valid = causal ? min(lk, i + 1 + causalOffset) : lk
        softmaxRow(scores + i * lk, bias: bias?(h, i), valid: valid, total: lk)
    }
    Matmul.gemm(m: lq, n: dkv, k: lk, a: scores, lda: lk, b: vh, ldb: ldv, c: oh, ldc: ldo)
}

/// Where a training forward keeps the attention probabilities of one sequence, and their dropout
/// (HF eager_attention_forward: `attn_weights = dropout(softmax(scores))` before the product with V).
struct AttentionRecording {
    /// (H, Lq, Lk): every head's softmax output, before dropout (the softmax backward needs it).
    let probabilities: UnsafeMutablePointer<Float>
    /// Dropout of the probabilities: the pass (probability), the site's key and this sequence's first element in
    /// the site's stream (its offset among all sequences of the layer); nil when dropout is off.
    let dropout: (pass: TrainingPass, site: DropoutKey, offset: Int)?
    /// Lq·Lk scratch for the dropped probabilities of one head.
    let scratch: UnsafeMutablePointer<Float>

    /// The probabilities of head `head` as they multiply V: `probabilities` themselves, or their dropped copy.
    func dropped(_ probabilities: UnsafeMutablePointer<Float>, head: Int, count: Int) -> UnsafePointer<Float> {
        guard let dropout else { return UnsafePointer(probabilities) }
        dropoutForward(out: scratch, inp: probabilities, count: count, probability: dropout.pass.dropout,
                       key: dropout.site, offset: dropout.offset + head * count)
        return UnsafePointer(scratch)
    }
}
