// Crash-safe file replacement: write to a temporary file in the same directory, fsync it, rename it over the
// destination, then fsync the directory. A crash at any point leaves either the old or the new file, never a mix.
// Every step goes through `FileOperations`, so tests can fail each one in turn.
import Foundation

public enum AtomicFile {
    /// Atomically replaces (or creates) the file at `url` with `data`.
    /// - Throws: `SafeTensorsError.writeFailed` naming the path. A failure before the rename leaves the old file
    ///   untouched; a failure of the final directory fsync means the new file is in place but may not survive a power
    ///   loss.
    public static func write(_ data: Data, to url: URL) throws(SafeTensorsError) {
        try write(data, to: url, using: SystemFileOperations())
    }

    /// `write(_:to:)` through `files`.
    package static func write(_ data: Data, to url: URL, using files: some FileOperations) throws(SafeTensorsError) {
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/.\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        func failure(_ step: String) -> SafeTensorsError {
            .writeFailed(path: url.path, reason: "\(step): \(String(cString: strerror(errno)))")
        }
        let fd = files.open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw failure("create") }
        var error: SafeTensorsError? = nil
        let written = data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let count = files.write(fd, UnsafeRawBufferPointer(rebasing: raw[offset...]))
                if count <= 0 { return false }
                offset += count
            }
            return true
        }
        if !written { error = failure("write") }
        if error == nil && files.fsync(fd) != 0 { error = failure("fsync") }
        if files.close(fd) != 0 && error == nil { error = failure("close") }
        if error == nil && files.rename(temporary, url.path) != 0 { error = failure("rename") }
        if let error {
            _ = files.unlink(temporary)
            throw error
        }
        guard syncDirectory(directory, using: files) else { throw failure("directory fsync") }
    }

    /// fsyncs a directory so that a rename inside it survives a power loss.
    public static func syncDirectory(_ path: String) {
        _ = syncDirectory(path, using: SystemFileOperations())
    }

    /// fsyncs a directory through `files`; false when it could not be opened or synced.
    package static func syncDirectory(_ path: String, using files: some FileOperations) -> Bool {
        let fd = files.open(path, O_RDONLY | O_DIRECTORY, 0)
        guard fd >= 0 else { return false }
        let synced = files.fsync(fd) == 0
        let closed = files.close(fd) == 0
        return synced && closed
    }
}
