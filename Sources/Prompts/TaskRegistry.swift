// The task registry: loads a tasks directory at start-up, then adds, replaces and removes tasks and albums at run
// time. Every change is validated completely before anything is written, persisted crash-safely (TaskStore), and
// published as a new immutable TaskSnapshot; batches pin the snapshot they started with.
import Foundation
import Kernels
import SafeTensors

/// A directory entry that failed to load (it is skipped; any valid older revision of the same name is served).
public struct LoadIssue: Sendable, CustomStringConvertible {
    public let entry: String
    public let error: PromptsError
    public var description: String { "\(entry): \(error)" }
}

/// Owns the tasks directory. Mutations are serialised by the actor; readers take `snapshot()` without awaiting.
public actor TaskRegistry {
    public nonisolated let directory: URL
    public nonisolated let model: BaseModelInfo
    nonisolated let published: LockedValue<TaskSnapshot>
    let store: TaskStore
    /// The folder and files each served task or album was loaded from; `reload()` reloads what changed.
    var stamps: [String: EntryStamp] = [:]
    /// Problems met at start-up.
    public nonisolated let issues: [LoadIssue]
    /// What every artifact, at start-up and uploaded, may declare and hold.
    public nonisolated let limits: ArtifactLimits

    /// Loads every artifact in `directory` (albums and subspaces first, then tasks). Entries that fail validation are skipped and
    /// reported in `issues`; for each name the highest revision that validates is served.
    /// - Throws: `PromptsError.unreadable` when the directory itself cannot be listed.
    public init(directory: URL, model: BaseModelInfo, limits: ArtifactLimits = ArtifactLimits()) throws(PromptsError) {
        try self.init(directory: directory, model: model, limits: limits, files: SystemFileOperations())
    }

    /// `init(directory:model:limits:)` with every change to the directory made through `files` (tests inject failures).
    package init(directory: URL, model: BaseModelInfo, limits: ArtifactLimits = ArtifactLimits(),
                 files: any FileOperations) throws(PromptsError) {
        self.directory = directory
        self.model = model
        self.limits = limits
        let store = TaskStore(directory: directory, files: files)
        self.store = store
        store.cleanScratch()
        let (entries, invalid) = try store.scan()
        var issues = invalid.map { LoadIssue(entry: $0, error: .invalidName($0, reason: "not a valid task directory name")) }
        // Shared artifacts first: SPE tasks resolve their album, IPT tasks their subspace, by name.
        var kinds: [String: TaskKind] = [:]
        for (name, revisions) in entries {
            kinds[name] = revisions.lazy.compactMap { try? ArtifactLoader.manifest(of: $0.url).kind }.first
        }
        var albums: [String: PromptAlbum] = [:]
        var subspaces: [String: IPTSubspace] = [:]
        var tasks: [String: LoadedTask] = [:]
        var stamps: [String: EntryStamp] = [:]
        for pass in [true, false] {
            for (name, revisions) in entries.sorted(by: { $0.key < $1.key }) where (kinds[name]?.isShared ?? false) == pass {
                let loaded = store.firstLoadable(name, revisions, issues: &issues) { (revision) throws(PromptsError) in
                    let stamp = EntryStamp(folder: revision.url)
                    return (try ArtifactLoader.load(directory: revision.url, name: name, version: revision.revision,
                                                    model: model, albums: albums, subspaces: subspaces, limits: limits), stamp)
                }
                guard let (artifact, stamp) = loaded else { continue }
                switch artifact {
                case .album(let album): albums[name] = album
                case .subspace(let subspace): subspaces[name] = subspace
                case .task(let task): tasks[name] = task
                }
                stamps[name] = stamp
            }
        }
        self.issues = issues
        self.stamps = stamps
        published = LockedValue(TaskSnapshot(generation: 1, tasks: tasks, albums: albums, subspaces: subspaces))
    }

    /// The current snapshot. Cheap; callable from any thread without awaiting.
    public nonisolated func snapshot() -> TaskSnapshot {
        published.withLock { $0 }
    }

    /// Adds or replaces artifact `name` with the files in `staging` (a task folder: task.json + tensors, a PEFT
    /// adapter folder, a T5X .npy folder, or an album). The new revision is validated against the loaded model and
    /// albums first; on any error nothing changes. On success it is written crash-safely and published.
    /// - Returns: the loaded artifact (its `version` is the new revision number).
    /// - Throws: `PromptsError` naming the file and problem; `.albumInUse` (`.subspaceInUse`) when replacing an
    ///   album (subspace) would break SPE (IPT) tasks trained against the current one.
    @discardableResult
    public func put(name: String, from staging: URL) throws(PromptsError) -> LoadedArtifact {
        try TaskStore.validate(name: name)
        let current = snapshot()
        let onDisk = (try store.scan().entries[name]) ?? []
        let revision = max(onDisk.first?.revision ?? 0, current.tasks[name]?.version ?? 0, current.albums[name]?.version ?? 0,
                           current.subspaces[name]?.version ?? 0) + 1
        // Validate completely before touching the directory.
        let artifact = try ArtifactLoader.load(directory: staging, name: name, version: revision, model: model,
                                               albums: current.albums, subspaces: current.subspaces, limits: limits)
        if current.albums[name] != nil {
            var newHash: String? = nil
            if case .album(let album) = artifact { newHash = album.hash }
            let dependents = current.dependents(of: name).filter { task in
                guard case .spe(let module) = task.prompt else { return false }
                return module.album.hash != newHash
            }
            if !dependents.isEmpty { throw .albumInUse(album: name, tasks: dependents.map(\.name).sorted()) }
        }
        if current.subspaces[name] != nil {
            var newHash: String? = nil
            if case .subspace(let subspace) = artifact { newHash = subspace.hash }
            let dependents = current.dependents(of: name).filter { $0.subspace.map { $0.hash != newHash } ?? false }
            if !dependents.isEmpty { throw .subspaceInUse(subspace: name, tasks: dependents.map(\.name).sorted()) }
        }
        let url = try store.write(name: name, revision: revision, from: staging)
        let stamp = EntryStamp(folder: url)
        // Re-load from the final location so the served artifact is exactly what a restart would load.
        let stored = try ArtifactLoader.load(directory: url, name: name, version: revision, model: model,
                                             albums: current.albums, subspaces: current.subspaces, limits: limits)
        publish { tasks, albums, subspaces in
            tasks[name] = nil
            albums[name] = nil
            subspaces[name] = nil
            switch stored {
            case .task(let task): tasks[name] = task
            case .album(let album): albums[name] = album
            case .subspace(let subspace): subspaces[name] = subspace
            }
        }
        stamps[name] = stamp
        try? store.discard(onDisk.sorted { $0.revision < $1.revision })
        return stored
    }

    /// Adds or replaces `name` from in-memory files (file name → contents), e.g. an HTTP upload. Only the files the
    /// artifact's kind is made of are accepted (anything else is refused before a byte is written), and errors name
    /// the files as "upload/<file>", never by a path on this machine.
    @discardableResult
    public func put(name: String, files: [String: Data]) throws(PromptsError) -> LoadedArtifact {
        try TaskStore.validate(name: name)
        for file in files.keys where !TaskManifest.isPlainFileName(file) {
            throw .unrecognisedArtifact(path: "upload", reason: "upload file names must be plain names")
        }
        let manifest = try ArtifactLoader.manifest(ofFiles: files, label: "upload")
        let expected = ArtifactLoader.fileNames(of: manifest, among: Array(files.keys))
        let unexpected = files.keys.filter { !expected.contains($0) }.sorted()
        if !unexpected.isEmpty {
            throw .unrecognisedArtifact(path: "upload", reason: "unexpected files \(unexpected); this artifact is made of \(expected.sorted())")
        }
        let staging = store.scratch.appendingPathComponent("upload-\(name).\(UInt32.random(in: 0...UInt32.max))")
        do { try store.files.createDirectory(staging.path) } catch {
            throw PromptsError.writeFailed(path: staging.path, reason: error.localizedDescription)
                .replacingPathPrefix(directory.path, with: "tasks")
        }
        defer { try? store.files.removeItem(staging.path) }
        do throws(PromptsError) {
            for (file, data) in files {
                try store.writeScratch(data, to: staging.appendingPathComponent(file))
            }
            return try put(name: name, from: staging)
        } catch {
            throw error.replacingPathPrefix(staging.path, with: "upload").replacingPathPrefix(directory.path, with: "tasks")
        }
    }

    /// Removes task, album or subspace `name` from the directory and from new snapshots (running batches keep theirs).
    /// - Throws: `.unknownTask`, `.albumInUse` while SPE tasks depend on the album, `.subspaceInUse` while IPT tasks
    ///   depend on the subspace.
    public func remove(name: String) throws(PromptsError) {
        // Errors reach clients: they name the tasks directory as "tasks", never by its path on this machine.
        do { try removeFromDirectory(name: name) } catch { throw error.replacingPathPrefix(directory.path, with: "tasks") }
    }

    private func removeFromDirectory(name: String) throws(PromptsError) {
        let current = snapshot()
        guard current.tasks[name] != nil || current.albums[name] != nil || current.subspaces[name] != nil else {
            throw .unknownTask(name)
        }
        let dependents = current.dependents(of: name).map(\.name).sorted()
        if !dependents.isEmpty && current.subspaces[name] != nil { throw .subspaceInUse(subspace: name, tasks: dependents) }
        if !dependents.isEmpty { throw .albumInUse(album: name, tasks: dependents) }
        let onDisk = (try store.scan().entries[name]) ?? []
        // Lowest revision first: a crash part-way leaves the current revision, i.e. the removal did not happen.
        try store.discard(onDisk.sorted { $0.revision < $1.revision })
        publish { tasks, albums, subspaces in
            tasks[name] = nil
            albums[name] = nil
            subspaces[name] = nil
        }
        stamps[name] = nil
    }

    func publish(_ change: (inout [String: LoadedTask], inout [String: PromptAlbum], inout [String: IPTSubspace]) -> Void) {
        published.withLock { snapshot in
            var tasks = snapshot.tasks
            var albums = snapshot.albums
            var subspaces = snapshot.subspaces
            change(&tasks, &albums, &subspaces)
            snapshot = TaskSnapshot(generation: snapshot.generation + 1, tasks: tasks, albums: albums, subspaces: subspaces)
        }
    }
}
