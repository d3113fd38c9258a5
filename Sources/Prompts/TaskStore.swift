// On-disk layout of a tasks directory and its crash-safe updates. Every task or album is one directory:
//   <name>/        revision 0, a folder placed by hand (e.g. a PEFT adapter dropped in)
//   <name>@<rev>/  revision rev ≥ 1, written by the registry
//   .album-tmp/    partial uploads and trash; emptied at start-up
// A new revision is written into .album-tmp (every file fsynced), then renamed into place in one step, then the older
// revisions are removed. A crash at any point leaves the previous revision (or the complete new one) intact, and the
// loader takes the highest revision that validates.
import Foundation

struct TaskStore {
    let directory: URL
    var scratch: URL { directory.appendingPathComponent(".album-tmp") }

    /// A directory entry holding one revision of one artifact.
    struct Entry {
        let name: String
        let revision: Int
        let url: URL
    }

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
                guard let rev = Int(item[item.index(after: at)...]), rev >= 1 else { invalid.append(item); continue }
                name = String(item[..<at])
                revision = rev
            }
            guard (try? Self.validate(name: name)) != nil else { invalid.append(item); continue }
            entries[name, default: []].append(Entry(name: name, revision: revision, url: url))
        }
        for key in entries.keys { entries[key]!.sort { $0.revision > $1.revision } }
        return (entries, invalid)
    }

    /// Empties the scratch directory (left-overs of interrupted uploads and removals).
    func cleanScratch() {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// Copies the regular files of `staging` into a new revision directory, crash-safely; returns its URL.
    func write(name: String, revision: Int, from staging: URL) throws(PromptsError) -> URL {
        let fm = FileManager.default
        let partial = scratch.appendingPathComponent("\(name)@\(revision).\(UInt32.random(in: 0...UInt32.max))")
        do { try fm.createDirectory(at: partial, withIntermediateDirectories: true) } catch {
            throw .writeFailed(path: partial.path, reason: error.localizedDescription)
        }
        let files: [String]
        do { files = try fm.contentsOfDirectory(atPath: staging.path) } catch {
            throw .unreadable(path: staging.path, reason: error.localizedDescription)
        }
        for file in files where !file.hasPrefix(".") {
            let source = staging.appendingPathComponent(file)
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: source.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let data: Data
            do { data = try Data(contentsOf: source) } catch { throw .unreadable(path: source.path, reason: error.localizedDescription) }
            try ArtifactWriter.writeFile(data, to: partial.appendingPathComponent(file))
        }
        let final = directory.appendingPathComponent("\(name)@\(revision)")
        syncDirectory(partial.path)
        guard rename(partial.path, final.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? fm.removeItem(at: partial)
            throw .writeFailed(path: final.path, reason: reason)
        }
        syncDirectory(directory.path)
        return final
    }

    /// Moves `entries` out of the tasks directory (one atomic rename each, in the given order), then deletes them.
    func discard(_ entries: [Entry]) throws(PromptsError) {
        let fm = FileManager.default
        do { try fm.createDirectory(at: scratch, withIntermediateDirectories: true) } catch {
            throw .writeFailed(path: scratch.path, reason: error.localizedDescription)
        }
        var moved: [URL] = []
        for entry in entries {
            let trash = scratch.appendingPathComponent("trash-\(entry.url.lastPathComponent).\(UInt32.random(in: 0...UInt32.max))")
            guard rename(entry.url.path, trash.path) == 0 else {
                throw .writeFailed(path: entry.url.path, reason: String(cString: strerror(errno)))
            }
            moved.append(trash)
        }
        syncDirectory(directory.path)
        for url in moved { try? fm.removeItem(at: url) }
    }

    private func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY)
        if fd >= 0 { fsync(fd); close(fd) }
    }
}
