// Resident memory of this process for `album bench`: VmRSS (now) and VmHWM (peak since start or the last reset)
// from /proc/self/status. Nil where /proc is missing.
import Foundation

struct ResidentMemory: Sendable {
    /// Resident set now, MiB.
    let currentMiB: Double
    /// Peak resident set, MiB.
    let peakMiB: Double

    /// The current reading, or nil when /proc/self/status cannot be read.
    static func read() -> ResidentMemory? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        func mebibytes(_ key: String) -> Double? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key) }),
                  let kB = line.split(separator: " ").compactMap({ Double($0) }).first else { return nil }
            return kB / 1024
        }
        guard let current = mebibytes("VmRSS:"), let peak = mebibytes("VmHWM:") else { return nil }
        return ResidentMemory(currentMiB: current, peakMiB: peak)
    }
}
