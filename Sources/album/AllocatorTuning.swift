// jemalloc settings for training processes. Each training step frees and re-allocates the same few hundred MB of
// activations; jemalloc's default decay (and its eager purge of the arena that serves allocations over 8 MiB) hands
// those pages back to the kernel, so every step paid about 66k page faults with their zeroing: about 7% of a
// prompt-tuning step on 2 cores. Keeping freed pages (decay −1) makes re-allocation free; peak RSS is unchanged.
// Not for `serve`. `releaseFreedPages` is the opposite, once: after a reduced precision freed the fp32 weights.
import CJemalloc

enum AllocatorTuning {
    /// Freed pages stay in jemalloc for reuse: in every arena that exists and in every arena created later (the
    /// oversize arena, created at the first allocation over 8 MiB, purges eagerly only when the default decay is
    /// positive). Call before the model loads. Without jemalloc (tests, sanitizers) this does nothing.
    static func retainFreedPages() {
        var never = -1  // ssize_t: decay −1 never purges
        for name in ["arenas.dirty_decay_ms", "arenas.muzzy_decay_ms", "arena.4096.dirty_decay_ms",
                     "arena.4096.muzzy_decay_ms"] {  // 4096 = MALLCTL_ARENAS_ALL
            _ = mallctl(name, nil, nil, &never, MemoryLayout<Int>.size)
        }
    }

    /// Hands every freed page back to the kernel now: after `--precision bf16|int8` replaced the fp32 weights, so
    /// that resident memory shows the reduced model rather than pages jemalloc would reuse later. Without jemalloc
    /// this does nothing.
    static func releaseFreedPages() {
        _ = mallctl("arena.4096.purge", nil, nil, nil, 0)  // 4096 = MALLCTL_ARENAS_ALL
    }
}
