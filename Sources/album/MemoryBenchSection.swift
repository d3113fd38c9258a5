// `album bench` section: resident memory right after the model was built or loaded and after the encoder, decode
// and whole-request sections ran (activations, KV caches and workspaces allocated), as VmRSS and VmHWM.
import Foundation

struct MemoryBenchSection: BenchSection {
    let title = "Resident memory (VmRSS now, VmHWM peak since start)"

    func run(_ context: BenchContext) throws -> [String] {
        guard let loaded = context.memoryAfterLoad, let now = ResidentMemory.read() else {
            return ["- /proc/self/status is not readable here: no figures"]
        }
        let weights = Double(context.model.parameterCount) * 4 / 1_048_576
        return [
            "- model parameters (fp32): \(BenchTimer.format(weights)) MiB",
            "",
            "| point | VmRSS (MiB) | VmHWM (MiB) |", "|---|---:|---:|",
            "| after model load | \(BenchTimer.format(loaded.currentMiB)) | \(BenchTimer.format(loaded.peakMiB)) |",
            "| after the request benchmarks | \(BenchTimer.format(now.currentMiB)) | \(BenchTimer.format(now.peakMiB)) |",
        ]
    }
}
