// On-disk layout of a tasks directory and its crash-safe updates. Every task or album is one directory:
//   <name>/        revision 0, a folder placed by hand (e.g. a PEFT adapter dropped in)
//   <name>@<rev>/  revision rev ≥ 1, written by the registry
//   .album-tmp/    partial uploads and trash; emptied at start-up
// A new revision is written into .album-tmp (every file fsynced), then renamed into place in one step, then the older
// revisions are removed. A crash at any point leaves the previous revision (or the complete new one) intact, and the
// loader takes the highest revision that validates. Every write, fsync, rename and removal goes through
// `FileOperations` (the real file system in production; tests fail each step in turn).
import Foundation
import SafeTensors

struct TaskStore {
    let directory: URL
    /// The calls that change the directory.
    var files: any FileOperations = SystemFileOperations()
    var scratch: URL { directory.appendingPathComponent(".album-tmp") }

    /// A directory entry holding one revision of one artifact.
    struct Entry {
        let name: String
        let revision: Int
        let url: URL
    }

    /// Highest revision number a directory entry may carry.
    static let maxRevision = 999_999_999

    /// Names must be usable as directory names and URL path segments.
    static func validate(name: String) throws(PromptsError) {
        guard !name.isEmpty, name.count <= 100 else { throw .invalidName(name, reason: "must be 1 to 100 characters") }
        guard name.first != "." && name.first != "-" else { throw .invalidName(name, reason: "must not start with '.' or '-'") }
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) else {
            throw .invalidName(name, reason: "only letters, digits, '-', '_' and '.' are allowed")
        }
    }

    /// All artifact directories, grouped by name, highest revision first. Entries whose names are not valid are
    /// returned in `invalid`.
    func scan() throws(PromptsError) -> (entries: [String: [Entry]], invalid: [String]) {
        let items: [String]
        do { items = try FileManager.default.contentsOfDirectory(atPath: directory.path) } catch {
            throw .unreadable(path: directory.path, reason: error.localizedDescription)
        }
        var entries: [String: [Entry]] = [:]
        var invalid: [String] = []
        for item in items.sorted() where !item.hasPrefix(".") {
            let url = directory.appendingPathComponent(item)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            var name = item
            var revision = 0
            if let at = item.lastIndex(of: "@") {
                // Bounded, so that the next revision number (rev + 1) cannot overflow.
                guard let rev = Int(item[item.index(after: at)...]), (1...Self.maxRevision).contains(rev) else {
                    invalid.append(item)
                    continue
                }
                name = String(item[..<at])
                revision = rev
            }
            guard (try? Self.validate(name: name)) != nil else { invalid.append(item); continue }
            entries[name, default: []].append(Entry(name: name, revision: revision, url: url))
        }
        for key in entries.keys { entries[key]!.sort { $0.revision > $1.revision } }
        return (entries, invalid)
    }

    /// How often one pass lists an entry's revisions again after a revision folder vanished under it (a writer
    /// busier than that is picked up by the next reload).
    static let relistsPerEntry = 3

    /// The first of `revisions` (highest first) that `load` accepts; each failure is appended to `issues`, except a
    /// revision whose folder is gone by the time it is read: another process replaced or removed it after the scan
    /// (`album tasks import` writes revision n+1, then discards n), which is a reader's race with a writer, not a
    /// broken entry. Then the name's revisions are listed again and tried as they are on disk now.
    /// - Returns: nil when no revision loads (or the name was removed meanwhile).
    func firstLoadable<Artifact>(_ name: String, _ revisions: [Entry], issues: inout [LoadIssue],
                                 _ load: (Entry) throws(PromptsError) -> Artifact) -> Artifact? {
        var revisions = revisions
        for listing in 0...Self.relistsPerEntry {
            var vanished = false
            for revision in revisions {
                do { return try load(revision) } catch {
                    if !isDirectory(revision.url) { vanished = true; continue }
                    issues.append(LoadIssue(entry: revision.url.lastPathComponent, error: error))
                }
            }
            guard vanished, listing < Self.relistsPerEntry, let current = try? scan().entries[name] else { return nil }
            revisions = current
        }
        return nil
    }

    private func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Writes `data` to the scratch file `url` without fsync: an upload's staging copy is read back at once and then
    /// deleted, and scratch is emptied at start-up, so only the revision `write` makes has to be durable.
    func writeScratch(_ data: Data, to url: URL) throws(PromptsError) {
        let fd = files.open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw .writeFailed(path: url.path, reason: String(cString: strerror(errno))) }
        var written = 0
        while written < data.count {
            let count = data.withUnsafeBytes { files.write(fd, UnsafeRawBufferPointer(rebasing: $0[written...])) }
            guard count > 0 else {
                let reason = String(cString: strerror(errno))
                _ = files.close(fd)
                throw .writeFailed(path: url.path, reason: reason)
            }
            written += count
        }
        // A failed close can mean a failed write (NFS, quotas): the copy would not be the upload.
        guard files.close(fd) == 0 else { throw .writeFailed(path: url.path, reason: String(cString: strerror(errno))) }
    }

    /// Empties the scratch directory (left-overs of interrupted uploads and removals).
    func cleanScratch() {
        try? files.removeItem(scratch.path)
    }

    /// Copies the regular files of `staging` into a new revision directory, crash-safely; returns its URL.
    /// The rename of the finished revision into place is the commit: any failure before it leaves the directory as
    /// it was (apart from scratch), so the previous revision stays the one served.
    func write(name: String, revision: Int, from staging: URL) throws(PromptsError) -> URL {
        let fm = FileManager.default
        let partial = scratch.appendingPathComponent("\(name)@\(revision).\(UInt32.random(in: 0...UInt32.max))")
        do { try files.createDirectory(partial.path) } catch {
            throw .writeFailed(path: partial.path, reason: error.localizedDescription)
        }
        let sources: [String]
        do { sources = try fm.contentsOfDirectory(atPath: staging.path) } catch {
            throw .unreadable(path: staging.path, reason: error.localizedDescription)
        }
        let final = directory.appendingPathComponent("\(name)@\(revision)")
        do throws(PromptsError) {
            for file in sources where !file.hasPrefix(".") {
                let source = staging.appendingPathComponent(file)
                var isDirectory: ObjCBool = false
                guard fm.fileExists(atPath: source.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
                let data: Data
                do { data = try Data(contentsOf: source) } catch {
                    throw .unreadable(path: source.path, reason: error.localizedDescription)
                }
                try ArtifactWriter.writeFile(data, to: partial.appendingPathComponent(file), using: files)
            }
            // The revision's file entries must be durable before it is renamed into place.
            guard AtomicFile.syncDirectory(partial.path, using: files) else {
                throw .writeFailed(path: partial.path, reason: "directory fsync: \(String(cString: strerror(errno)))")
            }
            guard files.rename(partial.path, final.path) == 0 else {
                throw .writeFailed(path: final.path, reason: String(cString: strerror(errno)))
            }
        } catch {
            try? files.removeItem(partial.path)
            throw error
        }
        // Committed: a failure from here on cannot undo the rename, and a restart serves the new revision.
        _ = AtomicFile.syncDirectory(directory.path, using: files)
        return final
    }

    /// Moves `entries` out of the tasks directory (one atomic rename each, in the given order), then deletes them.
    /// A failure part-way leaves the later entries in place.
    func discard(_ entries: [Entry]) throws(PromptsError) {
        do { try files.createDirectory(scratch.path) } catch {
            throw .writeFailed(path: scratch.path, reason: error.localizedDescription)
        }
        var moved: [URL] = []
        for entry in entries {
            let trash = scratch.appendingPathComponent("trash-\(entry.url.lastPathComponent).\(UInt32.random(in: 0...UInt32.max))")
            guard files.rename(entry.url.path, trash.path) == 0 else {
                throw .writeFailed(path: entry.url.path, reason: String(cString: strerror(errno)))
            }
            moved.append(trash)
        }
        _ = AtomicFile.syncDirectory(directory.path, using: files)
        for url in moved { try? files.removeItem(url.path) }
    }
}
