// A value guarded by a pthread mutex (Foundation's NSLock), with the `withLock` shape of Synchronization.Mutex.
// Album uses it for shared state instead of Synchronization.Mutex: on Linux that Mutex parks contended threads in
// an uninstrumented futex slow path, so ThreadSanitizer misses the hand-off and reports races that are not there;
// pthread mutexes are intercepted by TSan, so `swift test --sanitize=thread` stays meaningful.
import Foundation

/// A value that is only read or written while holding its lock.
public final class LockedValue<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with exclusive access to the value. Never call back into the same `LockedValue` from `body`.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
