// Rescanning the tasks directory while serving: how every replica picks up tasks that another process wrote
// (`album tasks import`, a shared volume updated by a rollout). Only entries whose folder or files changed are
// loaded again; all changes are published as one new snapshot, so in-flight requests finish on the old versions.
// A broken entry never replaces a working version, and an album (subspace) stays while served SPE (IPT) tasks still
// use it.
import Foundation

extension TaskRegistry {
    /// Brings the served snapshot in line with the tasks directory. Never writes to the directory (it may be a
    /// read-only volume).
    /// - Returns: what changed and what was skipped; an unreadable directory is one issue and changes nothing.
    @discardableResult
    public func reload() -> TaskReloadReport {
        var report = TaskReloadReport()
        let current = snapshot()
        let scanned: (entries: [String: [TaskStore.Entry]], invalid: [String])
        do { scanned = try store.scan() } catch {
            report.issues = [LoadIssue(entry: directory.lastPathComponent, error: error)]
            report.generation = current.generation
            return report
        }
        let entries = scanned.entries
        var kinds: [String: TaskKind] = [:]
        for (name, revisions) in entries {
            kinds[name] = revisions.lazy.compactMap { try? ArtifactLoader.manifest(of: $0.url).kind }.first
        }
        var newStamps: [String: EntryStamp] = [:]
        var albumIssues: [LoadIssue] = []
        var albums: [String: PromptAlbum] = [:]
        var subspaces: [String: IPTSubspace] = [:]
        for (name, revisions) in entries.sorted(by: { $0.key < $1.key }) where kinds[name]?.isShared == true {
            let served = current.albums[name].map(LoadedArtifact.album) ?? current.subspaces[name].map(LoadedArtifact.subspace)
            switch resolve(name, revisions, served: served, albums: [:], subspaces: [:], issues: &albumIssues,
                           stamps: &newStamps) {
            case .album(let album)?: albums[name] = album
            case .subspace(let subspace)?: subspaces[name] = subspace
            default: break
            }
        }
        // An album that served SPE tasks still need keeps its current version (as `put` and `remove` refuse with
        // albumInUse); tasks are resolved again against the albums kept, until nothing conflicts.
        var keptAlbums: [LoadIssue] = []
        var tasks: [String: LoadedTask] = [:]
        var taskIssues: [LoadIssue] = []
        // Each round reverts at least one album to the version its users hold, so it ends within albums + 1 rounds.
        for _ in 0...(current.albums.count + albums.count + current.subspaces.count + subspaces.count) {
            taskIssues = []
            tasks = [:]
            for (name, revisions) in entries.sorted(by: { $0.key < $1.key }) where kinds[name]?.isShared != true {
                let served = current.tasks[name].map(LoadedArtifact.task)
                if case .task(let task)? = resolve(name, revisions, served: served, albums: albums, subspaces: subspaces,
                                                   issues: &taskIssues, stamps: &newStamps) {
                    tasks[name] = task
                }
            }
            var conflicts: [String: (album: PromptAlbum, users: [String])] = [:]
            var subspaceConflicts: [String: (subspace: IPTSubspace, users: [String])] = [:]
            for task in tasks.values {
                if let subspace = task.subspace, subspaces[subspace.name]?.hash != subspace.hash {
                    subspaceConflicts[subspace.name, default: (subspace, [])].users.append(task.name)
                }
                guard case .spe(let module) = task.prompt, albums[module.album.name]?.hash != module.album.hash else { continue }
                conflicts[module.album.name, default: (module.album, [])].users.append(task.name)
            }
            if conflicts.isEmpty && subspaceConflicts.isEmpty { break }
            for (name, conflict) in conflicts {
                albums[name] = current.albums[name] ?? conflict.album
                subspaces[name] = nil
                newStamps[name] = stamps[name]
                keptAlbums.append(LoadIssue(entry: name, error: .albumInUse(album: name, tasks: conflict.users.sorted())))
            }
            for (name, conflict) in subspaceConflicts {
                subspaces[name] = current.subspaces[name] ?? conflict.subspace
                albums[name] = nil
                newStamps[name] = stamps[name]
                keptAlbums.append(LoadIssue(entry: name, error: .subspaceInUse(subspace: name, tasks: conflict.users.sorted())))
            }
        }
        report.issues = albumIssues + keptAlbums + taskIssues

        let before = Set(current.tasks.keys).union(current.albums.keys).union(current.subspaces.keys)
        let after = Set(tasks.keys).union(albums.keys).union(subspaces.keys)
        report.added = after.subtracting(before).sorted()
        report.removed = before.subtracting(after).sorted()
        report.replaced = after.intersection(before).filter { name in
            if let task = tasks[name] { return current.tasks[name] !== task }
            if let subspace = subspaces[name] { return current.subspaces[name] !== subspace }
            return current.albums[name] !== albums[name]
        }.sorted()
        stamps = newStamps
        if report.changed {
            published.withLock { snapshot in
                snapshot = TaskSnapshot(generation: snapshot.generation + 1, tasks: tasks, albums: albums,
                                        subspaces: subspaces)
            }
        }
        report.generation = snapshot().generation
        return report
    }

    /// The artifact to serve for `name`: the served one while its folder is unchanged (and its album still the one
    /// served), else the highest revision that validates, else the served one (a broken entry never replaces a
    /// working version); nil when nothing validates and nothing was served. A revision that vanished after the scan
    /// is not reported (`TaskStore.firstLoadable`).
    private func resolve(_ name: String, _ revisions: [TaskStore.Entry], served: LoadedArtifact?,
                         albums: [String: PromptAlbum], subspaces: [String: IPTSubspace], issues: inout [LoadIssue],
                         stamps newStamps: inout [String: EntryStamp]) -> LoadedArtifact? {
        let artifact = store.firstLoadable(name, revisions, issues: &issues) { (revision) throws(PromptsError) in
            let stamp = EntryStamp(folder: revision.url)
            if let served, stamps[name] == stamp, Self.usesServedAlbum(served, albums),
               Self.usesServedSubspace(served, subspaces) {
                newStamps[name] = stamp
                return served
            }
            let artifact = try ArtifactLoader.load(directory: revision.url, name: name, version: revision.revision,
                                                   model: model, albums: albums, subspaces: subspaces, limits: limits)
            newStamps[name] = stamp
            return artifact
        }
        if let artifact { return artifact }
        if served != nil { newStamps[name] = stamps[name] }
        return served
    }

    /// False for an IPT task whose subspace object is not the one about to be served (it is loaded again against it).
    private static func usesServedSubspace(_ artifact: LoadedArtifact, _ subspaces: [String: IPTSubspace]) -> Bool {
        guard case .task(let task) = artifact, let subspace = task.subspace else { return true }
        return subspaces[subspace.name] === subspace
    }

    /// False for an SPE task whose album object is not the one about to be served (it is loaded again against it).
    private static func usesServedAlbum(_ artifact: LoadedArtifact, _ albums: [String: PromptAlbum]) -> Bool {
        guard case .task(let task) = artifact, case .spe(let module) = task.prompt else { return true }
        return albums[module.album.name] === module.album
    }
}
