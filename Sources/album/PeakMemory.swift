// Peak resident set size of this process for `album bench --train`: VmHWM from /proc/self/status (Linux), reset by
// writing "5" to /proc/self/clear_refs (Linux ≥ 4.0) so each measurement has its own peak; getrusage's ru_maxrss
// (never reset) where /proc is missing.
import Foundation

enum PeakMemory {
    /// Whether `reset()` works here (probed once by resetting).
    static let canReset: Bool = write5ToClearRefs()

    /// Restarts the high-water mark at the current RSS; a no-op where that is impossible.
    static func reset() { _ = write5ToClearRefs() }

    /// Peak RSS in MiB since the last reset (or since start), nil when it cannot be read.
    static func peakMiB() -> Double? {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kB = line.split(separator: " ").compactMap({ Double($0) }).first {
            return kB / 1024
        }
        var usage = rusage()
        #if os(Linux)
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return nil }
        return Double(usage.ru_maxrss) / 1024  // kB
        #else
        guard getrusage(RUSAGE_SELF, &usage) == 0 else { return nil }
        return Double(usage.ru_maxrss) / 1_048_576  // bytes
        #endif
    }

    private static func write5ToClearRefs() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        return (try? handle.write(contentsOf: Data("5".utf8))) != nil
    }
}
