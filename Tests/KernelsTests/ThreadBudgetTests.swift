// `BLAS.withThreadBudget`: a per-thread budget that `BLAS.threads` reads on that thread only (OpenBLAS's own count
// untouched), nested and restored; and `Matmul.smallM` gives the same bits under any budget (a worker's split
// never changes a result).
import Foundation
import Kernels
import Testing
import TestSupport

@Suite struct ThreadBudgetTests {
    @Test func budgetIsPerThreadNestedAndRestored() throws {
        let process = BLAS.openBLASThreads
        #expect(BLAS.threads == process, "no budget: the process-wide count")
        BLAS.withThreadBudget(3) {
            #expect(BLAS.threads == 3)
            #expect(BLAS.openBLASThreads == process, "OpenBLAS's count is not changed by a budget")
            BLAS.withThreadBudget(1) { #expect(BLAS.threads == 1) }
            #expect(BLAS.threads == 3, "the outer budget comes back")
            // Another thread does not see this thread's budget.
            let seen = LockedBox(0)
            let done = DispatchSemaphore(value: 0)
            let other = Thread {
                seen.set(BLAS.threads)
                done.signal()
            }
            other.start()
            done.wait()
            #expect(seen.get() == process)
        }
        #expect(BLAS.threads == process)
        BLAS.withThreadBudget(0) { #expect(BLAS.threads == 1, "a budget is at least one thread") }
    }

    @Test func smallMGivesTheSameBitsUnderEveryBudget() throws {
        // Large enough to split (k · n ≥ 2 · smallMFloatsPerThread, n ≥ 128).
        let m = 4, k = 256, n = 1024
        var rng = SplitMix64Source(seed: 5)
        let x = (0..<(m * k)).map { _ in rng.nextFloat() }, w = (0..<(k * n)).map { _ in rng.nextFloat() }
        func product(budget: Int) -> [Float] {
            var out = [Float](repeating: 0, count: m * n)
            BLAS.withThreadBudget(budget) {
                out.withUnsafeMutableBufferPointer { o in
                    Matmul.smallM(m: m, n: n, k: k, x: x, ldx: k, w: w, ldw: n, out: o.baseAddress!, ldo: n)
                }
            }
            return out
        }
        let one = product(budget: 1)
        #expect(product(budget: 2) == one)
        #expect(product(budget: 4) == one)
        #expect(one.contains { $0 != 0 })
    }
}

/// A value written by one thread and read by another.
private final class LockedBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int
    init(_ value: Int) { self.value = value }
    func set(_ v: Int) { lock.withLock { value = v } }
    func get() -> Int { lock.withLock { value } }
}

/// SplitMix64 floats in [-1, 1).
private struct SplitMix64Source {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func nextFloat() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1330_11EB
        z ^= z >> 31
        return Float(z >> 40) / Float(1 << 23) - 1
    }
}
