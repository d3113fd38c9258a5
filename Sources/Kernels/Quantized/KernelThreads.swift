// How many threads Album's own int8 / bf16 kernels and attention (heads, sequences) split over. In fp32 OpenBLAS
// does the threading and this follows it; a serving worker's budget (`BLAS.withThreadBudget`) wins. In int8 (and bf16
// on CPUs with AVX-512 BF16) the serving commands pin OpenBLAS to one thread and set this to the thread budget: OpenBLAS's idle workers spin in sched_yield for ~0.1 s after each call (measured:
// 21% of an int8 encoder pass's cycles), stealing the cores from the int8 products running on Album's threads.
import Foundation

public enum KernelThreads {
    private static let override = LockedValue<Int>(0)

    /// The budget: the calling thread's (a serving worker's, `BLAS.withThreadBudget`), else the explicit setting,
    /// else OpenBLAS's thread count.
    public static var count: Int {
        if let budget = ThreadBudget.current { return budget }
        let value = override.withLock { $0 }
        return value > 0 ? value : BLAS.openBLASThreads
    }

    /// Sets the budget (0 or less: follow `BLAS.threads` again).
    public static func set(_ threads: Int) { override.withLock { $0 = max(0, threads) } }

    /// Applies a thread budget for a model in `precision`: int8, and bf16 computed in bf16 (AVX-512 BF16), pin
    /// OpenBLAS to one thread and give Album's kernels the budget; fp32 and widened bf16 (whose large products are
    /// sgemm) give it to OpenBLAS.
    public static func configure(threads: Int, precision: Precision) {
        if ownsTheProducts(precision) {
            BLAS.threads = 1
            set(threads)
        } else {
            BLAS.threads = threads
            set(0)
        }
    }

    /// True when Album's kernels, not sgemm, compute the linear layers of a model in `precision`.
    public static func ownsTheProducts(_ precision: Precision) -> Bool {
        precision == .int8 || (precision == .bf16 && BF16Weight.Layout.preferred == .pairedPanels)
    }

    /// Whether attention should split its heads over Album's threads: OpenBLAS then runs each head single-threaded.
    public static var splitsAttentionHeads: Bool { BLAS.openBLASThreads == 1 && count > 1 }
}
