// Crash-safe file replacement: write to a temporary file in the same directory, fsync it, rename it over the
// destination, then fsync the directory. A crash at any point leaves either the old or the new file, never a mix.
import Foundation

public enum AtomicFile {
    /// Atomically replaces (or creates) the file at `url` with `data`.
    /// - Throws: `SafeTensorsError.writeFailed` naming the path.
    public static func write(_ data: Data, to url: URL) throws(SafeTensorsError) {
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/.\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw .writeFailed(path: url.path, reason: String(cString: strerror(errno))) }
        var ok = data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written <= 0 { return false }
                offset += written
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok, rename(temporary, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .writeFailed(path: url.path, reason: reason)
        }
        syncDirectory(directory)
    }

    /// fsyncs a directory so that a rename inside it survives a power loss.
    public static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY)
        if fd >= 0 { fsync(fd); close(fd) }
    }
}
