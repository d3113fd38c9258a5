// Crash-safe registry writes under injected failures: every file-system step of an upload (`put`) and of a removal
// fails in turn, once or as a crash there; then a new registry over the same directory (the restart) must serve the
// old version with exactly its content whenever the operation was not acknowledged, and the new state when it was.
// The rename of a revision into (or out of) place is the commit: every failure before it must be reported.
import Foundation
import SafeTensors
import Testing
import TestSupport
@testable import Prompts

@Suite struct CrashSafetyTests {
    let model = PromptFixtures.model

    /// The files of an Album static task whose prompt (3, 16) is filled with `value`, as an upload carries them.
    func upload(value: Float) throws -> [String: Data] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("album-upload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try SafeTensorsWriter.write([.init(name: "prompt", shape: [3, 16], values: .init(repeating: value, count: 48))],
                                    to: dir.appendingPathComponent("prompt.safetensors"))
        var manifest = TaskManifest(kind: .staticPrompt)
        manifest.baseModel = BaseModelRef(fingerprint: model.fingerprint, dModel: 16)
        manifest.template = "v\(Int(value)): {input}"
        return ["task.json": manifest.encoded(),
                "prompt.safetensors": try Data(contentsOf: dir.appendingPathComponent("prompt.safetensors"))]
    }

    /// A tasks directory holding `static-a` at revision 1, uploaded from `files`.
    func directoryWithRevisionOne(_ files: [String: Data]) async throws -> URL {
        let dir = try PromptFixtures.scratchTasks(["static-a"])
        try await TaskRegistry(directory: dir, model: model).put(name: "static-a", files: files)
        return dir
    }

    /// Expects that a registry started on `dir` serves `static-a` at `version` from exactly the uploaded `files`.
    func expectServed(_ dir: URL, version: Int, value: Float, files: [String: Data], _ what: String,
                      sourceLocation: SourceLocation = #_sourceLocation) throws {
        let restarted = try TaskRegistry(directory: dir, model: model)
        #expect(restarted.issues.isEmpty, "\(what): \(restarted.issues)", sourceLocation: sourceLocation)
        let task = try #require(restarted.snapshot().task(named: "static-a"), "\(what): static-a is gone",
                                sourceLocation: sourceLocation)
        #expect(task.version == version, "\(what): serves version \(task.version)", sourceLocation: sourceLocation)
        guard case .fixed(let prompt) = task.prompt else {
            Issue.record("\(what): not a static prompt", sourceLocation: sourceLocation)
            return
        }
        #expect(prompt.array == [Float](repeating: value, count: 48), "\(what): prompt values", sourceLocation: sourceLocation)
        let folder = dir.appendingPathComponent("static-a@\(version)")
        for (name, data) in files {
            #expect(try Data(contentsOf: folder.appendingPathComponent(name)) == data, "\(what): \(name) on disk",
                    sourceLocation: sourceLocation)
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(".album-tmp").path),
                "\(what): scratch is emptied at start-up", sourceLocation: sourceLocation)
    }

    @Test(arguments: FaultyFileOperations.Mode.allCases)
    func everyFailedStepOfAnUploadLeavesTheOldVersion(mode: FaultyFileOperations.Mode) async throws {
        let first = try upload(value: 1), second = try upload(value: 2)
        // Dry run: the steps of replacing revision 1 by revision 2.
        let recorder = FaultyFileOperations()
        let dryDir = try await directoryWithRevisionOne(first)
        defer { try? FileManager.default.removeItem(at: dryDir) }
        let dryRegistry = try TaskRegistry(directory: dryDir, model: model, files: recorder)
        recorder.arm(failAt: nil, mode: mode)
        try await dryRegistry.put(name: "static-a", files: second)
        let steps = recorder.log
        let commit = try #require(steps.firstIndex { $0.kind == "rename" && $0.path.hasSuffix("/static-a@2") },
                                  "the revision is renamed into place: \(steps)")
        for kind in ["write", "fsync", "rename", "mkdir"] {
            #expect(steps[...commit].contains { $0.kind == kind }, "an upload \(kind)s before its commit")
        }
        #expect(steps[..<commit].contains { $0.kind == "fsync" && $0.path.contains("/.album-tmp/static-a@2.") },
                "the revision's folder is synced before it is renamed into place")

        for index in steps.indices {
            let dir = try await directoryWithRevisionOne(first)
            defer { try? FileManager.default.removeItem(at: dir) }
            let files = FaultyFileOperations()
            let registry = try TaskRegistry(directory: dir, model: model, files: files)
            files.arm(failAt: index, mode: mode)
            let acknowledged: Bool
            do {
                try await registry.put(name: "static-a", files: second)
                acknowledged = true
            } catch {
                acknowledged = false
                #expect(!error.description.contains(dir.path), "the error reaches a client: no server path in \(error)")
            }
            let what = "\(mode) at step \(index) (\(steps[index]))"
            #expect(files.log.count > index && files.log[index].kind == steps[index].kind, "\(what): same step")
            if index <= commit {
                #expect(!acknowledged, "\(what): a failure before the commit must be reported")
                #expect(registry.snapshot().task(named: "static-a")?.version == 1, "\(what): still serving revision 1")
            } else {
                #expect(acknowledged, "\(what): a failure after the commit cannot undo it")
            }
            if acknowledged {
                try expectServed(dir, version: 2, value: 2, files: second, what)
            } else {
                try expectServed(dir, version: 1, value: 1, files: first, what)
            }
        }
    }

    @Test(arguments: FaultyFileOperations.Mode.allCases)
    func everyFailedStepOfARemovalLeavesTheOldVersion(mode: FaultyFileOperations.Mode) async throws {
        let first = try upload(value: 1)
        let recorder = FaultyFileOperations()
        let dryDir = try await directoryWithRevisionOne(first)
        defer { try? FileManager.default.removeItem(at: dryDir) }
        let dryRegistry = try TaskRegistry(directory: dryDir, model: model, files: recorder)
        recorder.arm(failAt: nil, mode: mode)
        try await dryRegistry.remove(name: "static-a")
        let steps = recorder.log
        let commit = try #require(steps.firstIndex { $0.kind == "rename" && $0.path.contains("/static-a@1 -> ") },
                                  "the revision is renamed out of place: \(steps)")

        for index in steps.indices {
            let dir = try await directoryWithRevisionOne(first)
            defer { try? FileManager.default.removeItem(at: dir) }
            let files = FaultyFileOperations()
            let registry = try TaskRegistry(directory: dir, model: model, files: files)
            files.arm(failAt: index, mode: mode)
            let acknowledged: Bool
            do {
                try await registry.remove(name: "static-a")
                acknowledged = true
            } catch {
                acknowledged = false
                #expect(!error.description.contains(dir.path), "the error reaches a client: no server path in \(error)")
            }
            let what = "\(mode) at step \(index) (\(steps[index]))"
            if index <= commit {
                #expect(!acknowledged, "\(what): a failure before the commit must be reported")
                #expect(registry.snapshot().task(named: "static-a")?.version == 1, "\(what): still serving revision 1")
            } else {
                #expect(acknowledged, "\(what): a failure after the commit cannot undo it")
            }
            if acknowledged {
                let restarted = try TaskRegistry(directory: dir, model: model)
                #expect(restarted.snapshot().task(named: "static-a") == nil, "\(what): removed for good")
                #expect(restarted.issues.isEmpty, "\(what): \(restarted.issues)")
            } else {
                try expectServed(dir, version: 1, value: 1, files: first, what)
            }
        }
    }
}
