// The file-system calls behind Album's crash-safe writes (AtomicFile and the task registry's revisions), behind a
// protocol so that tests can make any one of them fail, or stop every call from a given step on as a crash would,
// and check that the previous version survives. `SystemFileOperations` is the only production implementation.
import Foundation

/// File-system calls of crash-safe writes. The POSIX-shaped ones return what their namesakes return (-1 with `errno`
/// set on failure); the others throw.
package protocol FileOperations: Sendable {
    func open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32
    /// Writes up to `bytes.count` bytes; returns how many were written, or -1.
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int
    func fsync(_ fd: Int32) -> Int32
    func close(_ fd: Int32) -> Int32
    func rename(_ from: String, _ to: String) -> Int32
    func unlink(_ path: String) -> Int32
    /// Creates a directory and any missing parents.
    func createDirectory(_ path: String) throws
    /// Removes a file or a directory tree.
    func removeItem(_ path: String) throws
}

/// The real file system.
package struct SystemFileOperations: FileOperations {
    package init() {}
    package func open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { Foundation.open(path, flags, mode) }
    package func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        return Foundation.write(fd, base, bytes.count)
    }
    package func fsync(_ fd: Int32) -> Int32 { Foundation.fsync(fd) }
    package func close(_ fd: Int32) -> Int32 { Foundation.close(fd) }
    package func rename(_ from: String, _ to: String) -> Int32 { Foundation.rename(from, to) }
    package func unlink(_ path: String) -> Int32 { Foundation.unlink(path) }
    package func createDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    package func removeItem(_ path: String) throws { try FileManager.default.removeItem(atPath: path) }
}
