// What a tasks-directory entry looked like when it was loaded: its folder and each regular file's size and
// modification time. A rescan reloads an entry only when its stamp changed, so an unchanged directory costs one
// stat per file and never re-reads a tensor.
import Foundation

struct EntryStamp: Equatable, Sendable {
    struct File: Equatable, Sendable {
        let name: String
        let size: UInt64
        let modified: Double
    }

    let folder: String
    let files: [File]

    /// The stamp of `folder` now; a folder that cannot be listed has no files (so it differs from any loaded one).
    init(folder: URL) {
        self.folder = folder.lastPathComponent
        let fm = FileManager.default
        let names = (try? fm.contentsOfDirectory(atPath: folder.path)) ?? []
        files = names.sorted().compactMap { name in
            guard let attributes = try? fm.attributesOfItem(atPath: folder.appendingPathComponent(name).path),
                  attributes[.type] as? FileAttributeType == .typeRegular else { return nil }
            return File(name: name, size: (attributes[.size] as? NSNumber)?.uint64Value ?? 0,
                        modified: (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)
        }
    }
}
