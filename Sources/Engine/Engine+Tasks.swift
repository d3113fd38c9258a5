// Task management through the registry: list, describe, install (hot swap) and remove. Requests pin the task
// version they were accepted with, so a swap never changes a request already queued or running.
import Foundation
import Prompts
import ServerAPI

extension Engine {
    public func tasks() async -> [TaskInfo] {
        let snapshot = registry.snapshot()
        return snapshot.taskNames.map { describe(snapshot.tasks[$0]!) }
    }

    public func task(named name: String) async throws -> TaskInfo {
        guard let task = registry.snapshot().task(named: name) else { throw EngineError.unknownTask(name) }
        return describe(task)
    }

    public func installTask(named name: String, files: [String: [UInt8]]) async throws -> TaskInfo {
        guard !files.isEmpty else { throw EngineError.invalidArtifact("no files uploaded") }
        let artifact: LoadedArtifact
        do {
            artifact = try await registry.put(name: name, files: files.mapValues { Data($0) })
        } catch {
            throw Self.map(error)
        }
        metrics.tasksLoaded.record(registry.snapshot().tasks.count)
        logger.info("task installed", metadata: ["task": "\(name)"])
        switch artifact {
        case .task(let task): return describe(task)
        case .album(let album):
            return TaskInfo(name: album.name, version: String(album.version), method: "album",
                                   promptTokens: album.promptLength, fields: [], labels: nil, maxInputTokens: 0,
                                   maxNewTokens: 0, kind: TaskKind.album.rawValue)
        case .subspace(let subspace):
            return TaskInfo(name: subspace.name, version: String(subspace.version), method: "ipt-subspace",
                            promptTokens: subspace.promptLength, fields: [], labels: nil, maxInputTokens: 0, maxNewTokens: 0,
                            kind: TaskKind.iptSubspace.rawValue)
        }
    }

    public func removeTask(named name: String) async throws {
        do { try await registry.remove(name: name) } catch { throw Self.map(error) }
        metrics.tasksLoaded.record(registry.snapshot().tasks.count)
        logger.info("task removed", metadata: ["task": "\(name)"])
    }

    public func readiness() async -> Readiness {
        let running = locked { threadState == .running && !scheduler.isDraining }
        let count = registry.snapshot().tasks.count
        // No tasks is still ready: the base model serves, and a fresh server waits for its first upload.
        return Readiness(isReady: running, model: backend.modelDescription, tasks: count,
                         precision: backend.precisionDescription, workers: configuration.workers)
    }

    func describe(_ task: LoadedTask) -> TaskInfo {
        let method = task.kind == .spe ? "spe" : task.kind == .ipt ? "ipt" : task.source
        return TaskInfo(
            name: task.name, version: String(task.version), method: method, promptTokens: task.promptLength,
            fields: task.template.fields, labels: task.labels,
            maxInputTokens: min(task.maxInputTokens ?? configuration.maxInputTokens, configuration.maxInputTokens),
            maxNewTokens: task.decoding.maxNewTokens, kind: task.kind.rawValue,
            ensembleMembers: task.kind == .ensemble ? task.memberCount : nil)
    }

    static func map(_ error: PromptsError) -> EngineError {
        switch error {
        case .unknownTask(let name): .unknownTask(name)
        case .invalidName(let name, _): .invalidTaskName(name)
        case .albumInUse, .subspaceInUse: .conflict(error.description)
        case .writeFailed: .internalFailure(error.description)
        default: .invalidArtifact(error.description)
        }
    }
}
