// Fault injection for crash-safe writes: `FileOperations` over the real file system that records every call and,
// once armed, fails the chosen call (`failOnce`), or that call and every later one, as if the process had died there
// (`crash`). Tests run a write once to list its steps, then fail each step in turn.
import Foundation
import SafeTensors

/// Real file-system calls with one injected failure.
package final class FaultyFileOperations: FileOperations, @unchecked Sendable {
    /// How the chosen step fails.
    package enum Mode: String, Sendable, CaseIterable, CustomStringConvertible {
        /// Only that call fails (with EIO); cleanup code after it runs normally.
        case failOnce
        /// That call and every later one fail without touching the disk, as a crash there would leave it.
        case crash
        package var description: String { rawValue }
    }

    /// One recorded call: its kind (`open`, `write`, `fsync`, `close`, `rename`, `unlink`, `mkdir`, `remove`) and path
    /// (`from -> to` for a rename).
    package struct Call: Sendable, Equatable, CustomStringConvertible {
        package let kind: String
        package let path: String
        package var description: String { "\(kind) \(path)" }
    }

    private let system = SystemFileOperations()
    // Guarded by `lock`.
    private let lock = NSLock()
    private var armed = false
    private var failAt: Int?
    private var mode = Mode.failOnce
    private var calls: [Call] = []
    private var paths: [Int32: String] = [:]

    package init() {}

    /// Starts recording from an empty log; call number `failAt` (0-based) fails, or none when nil.
    package func arm(failAt: Int?, mode: Mode) {
        lock.withLock {
            armed = true
            self.failAt = failAt
            self.mode = mode
            calls = []
        }
    }

    /// Calls made since `arm`.
    package var log: [Call] { lock.withLock { calls } }

    /// Records a call; true when it must fail.
    private func step(_ kind: String, _ path: String) -> Bool {
        lock.withLock {
            guard armed else { return false }
            let index = calls.count
            calls.append(Call(kind: kind, path: path))
            guard let failAt else { return false }
            return mode == .failOnce ? index == failAt : index >= failAt
        }
    }

    private func path(of fd: Int32) -> String { lock.withLock { paths[fd] ?? "fd \(fd)" } }

    package func open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
        if step("open", path) {
            errno = EIO
            return -1
        }
        let fd = system.open(path, flags, mode)
        if fd >= 0 { lock.withLock { paths[fd] = path } }
        return fd
    }

    package func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
        if step("write", path(of: fd)) {
            errno = EIO
            return -1
        }
        return system.write(fd, bytes)
    }

    package func fsync(_ fd: Int32) -> Int32 {
        if step("fsync", path(of: fd)) {
            errno = EIO
            return -1
        }
        return system.fsync(fd)
    }

    package func close(_ fd: Int32) -> Int32 {
        let failing = step("close", path(of: fd))
        // Linux releases the descriptor even when close reports an error, so a failing close still closes it.
        let result = system.close(fd)
        lock.withLock { paths[fd] = nil }
        if failing {
            errno = EIO
            return -1
        }
        return result
    }

    package func rename(_ from: String, _ to: String) -> Int32 {
        if step("rename", "\(from) -> \(to)") {
            errno = EIO
            return -1
        }
        return system.rename(from, to)
    }

    package func unlink(_ path: String) -> Int32 {
        if step("unlink", path) {
            errno = EIO
            return -1
        }
        return system.unlink(path)
    }

    package func createDirectory(_ path: String) throws {
        if step("mkdir", path) { throw POSIXError(.EIO) }
        try system.createDirectory(path)
    }

    package func removeItem(_ path: String) throws {
        if step("remove", path) { throw POSIXError(.EIO) }
        try system.removeItem(path)
    }
}
