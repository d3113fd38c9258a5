// Reloading the tasks directory while serving (POST /v1/tasks/reload, SIGHUP, the periodic rescan): the registry
// publishes one new snapshot with every change; requests already accepted finish on the versions they pinned.
// Also the albums of `GET /v1/tasks`, with the SPE tasks that use each.
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

    public func albums() async -> [AlbumInfo] {
        let snapshot = registry.snapshot()
        return snapshot.albums.keys.sorted().compactMap { name in
            guard let album = snapshot.albums[name] else { return nil }
            let users = snapshot.tasks.values.filter { task in
                if case .spe(let module) = task.prompt { return module.album.name == name }
                return false
            }
            return AlbumInfo(
                name: name, version: String(album.version), hash: album.hash, promptTokens: album.promptLength,
                entries: album.entries.map { .init(sourceTask: $0.sourceTask, fraction: $0.fraction, step: $0.step) },
                usedBy: users.map(\.name).sorted())
        }
    }
}
