// Process-wide OpenBLAS settings and identity: thread count, the core type OpenBLAS picked, its build config; and the
// per-thread budget of Album's own splits (`Matmul.smallM`), so that several model threads share the cores without
// oversubscribing them. OpenBLAS reads OPENBLAS_CORETYPE only when it loads; the CLI re-execs to set it (CKernels/cpu.c).
import CBLAS
import Foundation

public enum BLAS {
    /// Threads a product started on the calling thread may use. Setting it sets OpenBLAS's process-wide count;
    /// reading it on a thread that runs under `withThreadBudget` gives that budget (Album's own kernels split a call
    /// over this many threads), elsewhere OpenBLAS's count.
    public static var threads: Int {
        get { ThreadBudget.current ?? Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// OpenBLAS's process-wide thread count, whatever the calling thread's budget.
    public static var openBLASThreads: Int { Int(openblas_get_num_threads()) }

    /// Runs `body` with `threads` as the calling thread's budget (at least 1): `BLAS.threads` reads it, so
    /// `Matmul.smallM` splits over that many threads. OpenBLAS's own count is untouched (it is process-wide; a
    /// server with several model threads sets it to 1). Budgets nest; the previous one is restored afterwards.
    public static func withThreadBudget<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
        let previous = ThreadBudget.current
        ThreadBudget.current = max(1, threads)
        defer { ThreadBudget.current = previous }
        return try body()
    }

    /// The kernel family OpenBLAS selected, e.g. "SkylakeX", "Haswell" or (misdetected) "Prescott".
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS build description (version, DYNAMIC_ARCH, threading model).
    public static var config: String { String(cString: openblas_get_config()) }

    /// How the core type was chosen: "auto" (Album re-exec), "user" (OPENBLAS_CORETYPE set), "openblas", or unset.
    public static var coreTypeSource: String {
        ProcessInfo.processInfo.environment["ALBUM_BLAS_CORETYPE_SOURCE"] ?? "unset (library use, no re-exec)"
    }
}
