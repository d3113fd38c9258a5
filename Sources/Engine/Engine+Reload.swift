// Reloading the tasks directory while serving (POST /v1/tasks/reload, SIGHUP, the periodic rescan): the registry
// publishes one new snapshot with every change; requests already accepted finish on the versions they pinned.
// Also the shared artifacts of `GET /v1/tasks` (albums and IPT subspaces), with the tasks that use each.
import Foundation
import Prompts
import ServerAPI

extension Engine {
    public func reloadTasks() async throws -> TaskReloadResult {
        let report = await registry.reload()
        let snapshot = registry.snapshot()
        metrics.tasksLoaded.record(snapshot.tasks.count)
        metrics.reloaded(changed: report.changed, skipped: report.issues.count)
        if report.changed {
            logger.info("tasks reloaded", metadata: [
                "added": "\(report.added)", "replaced": "\(report.replaced)", "removed": "\(report.removed)",
                "generation": "\(report.generation)",
            ])
        }
        return TaskReloadResult(
            added: report.added, replaced: report.replaced, removed: report.removed,
            skipped: report.issues.map { .init(entry: $0.entry, error: $0.error.description) },
            generation: report.generation)
    }

    /// Albums and IPT subspaces (kind "ipt-subspace", one entry per source task), sorted by name.
    public func albums() async -> [AlbumInfo] {
        let snapshot = registry.snapshot()
        let albums = snapshot.albums.values.map { album in
            AlbumInfo(
                name: album.name, version: String(album.version), hash: album.hash, promptTokens: album.promptLength,
                entries: album.entries.map { .init(sourceTask: $0.sourceTask, fraction: $0.fraction, step: $0.step) },
                usedBy: snapshot.dependents(of: album.name).map(\.name).sorted())
        }
        let subspaces = snapshot.subspaces.values.map { subspace in
            var info = AlbumInfo(
                name: subspace.name, version: String(subspace.version), hash: subspace.hash,
                promptTokens: subspace.promptLength,
                entries: subspace.sources.map { .init(sourceTask: $0, fraction: nil, step: nil) },
                usedBy: snapshot.dependents(of: subspace.name).map(\.name).sorted())
            info.kind = "ipt-subspace"
            return info
        }
        return (albums + subspaces).sorted { $0.name < $1.name }
    }
}
