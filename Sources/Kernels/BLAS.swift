// Process-wide OpenBLAS settings and identity: thread count, the core type OpenBLAS picked, its build config.
// OpenBLAS reads OPENBLAS_CORETYPE only when it loads; the CLI re-execs to set it (see CKernels/cpu.c).
import CBLAS
import Foundation

public enum BLAS {
    /// Threads each OpenBLAS call may use (process-wide).
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
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
