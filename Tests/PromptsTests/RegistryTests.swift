// The task registry: start-up load, add/replace/remove with revisions, rejection of corrupt uploads without touching
// the working version, persistence across restart, recovery from interrupted writes, album dependencies, and hot
// swap under concurrent in-flight requests.
import Foundation
import Kernels
import SafeTensors
import Testing
@testable import Prompts

@Suite struct RegistryTests {
    let model = PromptFixtures.model

    /// A staging folder holding an Album static task whose prompt (3, 16) is filled with `value`.
    func staticStaging(value: Float, template: String = "{input}") throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("album-staging-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try SafeTensorsWriter.write([.init(name: "prompt", shape: [3, 16], values: .init(repeating: value, count: 48))],
                                    to: dir.appendingPathComponent("prompt.safetensors"))
        var manifest = TaskManifest(kind: .staticPrompt)
        manifest.baseModel = BaseModelRef(fingerprint: model.fingerprint, dModel: 16)
        manifest.template = template
        try manifest.encoded().write(to: dir.appendingPathComponent("task.json"))
        return dir
    }

    func entries(_ dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".") }.sorted()
    }

    func value(of task: LoadedTask?) -> Float? {
        guard case .fixed(let prompt)? = task?.prompt else { return nil }
        return prompt.data[0]
    }

    @Test func addReplaceRemoveAndRestart() async throws {
        let dir = try PromptFixtures.scratchTasks()
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = try TaskRegistry(directory: dir, model: model)
        let first = registry.snapshot()
        #expect(first.task(named: "static-a")?.version == 0)

        // Add a new task: revision 1, written as <name>@1.
        let added = try await registry.put(name: "qa", from: staticStaging(value: 1, template: "q: {question}"))
        guard case .task(let qa) = added else { Issue.record("not a task"); return }
        #expect(qa.version == 1 && registry.snapshot().task(named: "qa")?.version == 1)
        #expect(try entries(dir).contains("qa@1"))

        // Replace the hand-placed static-a: revision 1 replaces revision 0 on disk and in new snapshots only.
        try await registry.put(name: "static-a", from: staticStaging(value: 2))
        #expect(value(of: registry.snapshot().task(named: "static-a")) == 2)
        #expect(first.task(named: "static-a")?.version == 0, "an earlier snapshot keeps the version it pinned")
        #expect(try entries(dir).filter { $0.hasPrefix("static-a") } == ["static-a@1"])
        try await registry.put(name: "static-a", from: staticStaging(value: 3))
        #expect(registry.snapshot().task(named: "static-a")?.version == 2)

        // Remove.
        try await registry.remove(name: "peft-pt")
        #expect(registry.snapshot().task(named: "peft-pt") == nil)
        await #expect(throws: PromptsError.unknownTask("peft-pt")) { try await registry.remove(name: "peft-pt") }

        // Restart: everything acknowledged is still there, at the same revisions.
        let restarted = try TaskRegistry(directory: dir, model: model).snapshot()
        #expect(restarted.taskNames == ["peft-mpt", "qa", "spe-a", "spe-attempt", "static-a", "t5x"])
        #expect(restarted.task(named: "static-a")?.version == 2 && value(of: restarted.task(named: "static-a")) == 3)
        #expect(try restarted.task(named: "qa")?.formatInput(text: nil, fields: ["question": "why"]) == "q: why")
        #expect(registry.snapshot().generation > first.generation)
    }

    @Test func corruptUploadNeverReplacesAWorkingVersion() async throws {
        let dir = try PromptFixtures.scratchTasks(["static-a"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = try TaskRegistry(directory: dir, model: model)
        let before = try entries(dir)
        let staging = try staticStaging(value: .nan)
        let stagedWeights = staging.appendingPathComponent("prompt.safetensors")
        await #expect(throws: PromptsError.nonFinite(path: stagedWeights.path, tensor: "prompt", index: 0)) {
            try await registry.put(name: "static-a", from: staging)
        }
        let truncated = try staticStaging(value: 1)
        let weights = truncated.appendingPathComponent("prompt.safetensors")
        try Data(try Data(contentsOf: weights).dropLast(10)).write(to: weights)
        // 3·16 floats = 192 data bytes, 10 of them cut.
        let cut = SafeTensorsError.truncated(path: weights.path, reason: "tensor 'prompt' ends at byte 192 but the data section has 182")
        await #expect(throws: PromptsError.unreadable(path: weights.path, reason: cut.description)) {
            try await registry.put(name: "static-a", from: truncated)
        }
        await #expect(throws: PromptsError.invalidName("../escape", reason: "must not start with '.' or '-'")) {
            try await registry.put(name: "../escape", from: staticStaging(value: 1))
        }
        await #expect(throws: PromptsError.invalidName("a/b", reason: "only letters, digits, '-', '_' and '.' are allowed")) {
            try await registry.put(name: "a/b", from: staticStaging(value: 1))
        }
        await #expect {
            try await registry.put(name: "x", files: ["task.json": Data("{".utf8)])
        } throws: { error in
            // The JSON parser's own wording follows the file name and differs between platforms.
            guard case .badManifest(let path, _) = error as? PromptsError else { return false }
            return path == "upload/task.json"
        }
        // An upload's error names the uploaded file, not the registry's private staging folder.
        let truncatedUpload = try Data(contentsOf: weights)
        let manifest = try Data(contentsOf: truncated.appendingPathComponent("task.json"))
        let uploadCut = SafeTensorsError.truncated(path: "upload/prompt.safetensors",
                                                   reason: "tensor 'prompt' ends at byte 192 but the data section has 182")
        await #expect(throws: PromptsError.unreadable(path: "upload/prompt.safetensors", reason: uploadCut.description)) {
            try await registry.put(name: "static-a", files: ["task.json": manifest, "prompt.safetensors": truncatedUpload])
        }
        #expect(try entries(dir) == before)
        #expect(registry.snapshot().task(named: "static-a")?.version == 0)
        #expect(registry.snapshot().task(named: "x") == nil)
    }

    @Test func uploadFromMemory() async throws {
        let dir = try PromptFixtures.scratchTasks(["album-a"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = try TaskRegistry(directory: dir, model: model)
        let source = PromptFixtures.tasksDirectory.appendingPathComponent("spe-a")
        var files: [String: Data] = [:]
        for name in ["task.json", "spe.safetensors"] { files[name] = try Data(contentsOf: source.appendingPathComponent(name)) }
        let loaded = try await registry.put(name: "spe-up", files: files)
        #expect(loaded.name == "spe-up" && registry.snapshot().task(named: "spe-up")?.kind == .spe)
        #expect(try TaskRegistry(directory: dir, model: model).snapshot().task(named: "spe-up")?.version == 1)
    }

    @Test func interruptedWritesLeaveTheOldVersion() async throws {
        let dir = try PromptFixtures.scratchTasks(["static-a"])
        defer { try? FileManager.default.removeItem(at: dir) }
        // A crash mid-upload: a partial revision in the scratch area ...
        let partial = dir.appendingPathComponent(".album-tmp/static-a@1.42")
        try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
        try Data("{\"kind\":".utf8).write(to: partial.appendingPathComponent("task.json"))
        // ... and a newer revision directory whose weights are damaged.
        let damaged = dir.appendingPathComponent("static-a@3")
        try FileManager.default.copyItem(at: dir.appendingPathComponent("static-a"), to: damaged)
        try Data([1, 2, 3]).write(to: damaged.appendingPathComponent("prompt.safetensors"))
        let registry = try TaskRegistry(directory: dir, model: model)
        #expect(registry.snapshot().task(named: "static-a")?.version == 0, "the highest revision that validates is served")
        let issues = registry.issues
        #expect(issues.map(\.entry) == ["static-a@3"])
        #expect(!FileManager.default.fileExists(atPath: partial.path), "scratch is emptied at start-up")
        // The next upload gets a revision above every one on disk.
        try await registry.put(name: "static-a", from: staticStaging(value: 4))
        #expect(registry.snapshot().task(named: "static-a")?.version == 4)
        #expect(try entries(dir) == ["static-a@4"])
    }

    @Test func albumsProtectTheirDependents() async throws {
        let dir = try PromptFixtures.scratchTasks(["album-a", "spe-a", "spe-attempt"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = try TaskRegistry(directory: dir, model: model)
        await #expect(throws: PromptsError.albumInUse(album: "album-a", tasks: ["spe-a", "spe-attempt"])) {
            try await registry.remove(name: "album-a")
        }
        // A different album under the same name would silently change what the SPE tasks compute.
        let stagingRoot = try PromptFixtures.scratchTasks(["album-a"])
        defer { try? FileManager.default.removeItem(at: stagingRoot) }
        let staging = stagingRoot.appendingPathComponent("album-a")
        let file = try SafeTensorsFile(url: staging.appendingPathComponent("album.safetensors"))
        var values = try file.floats("prompts")
        values[0] += 1
        try SafeTensorsWriter.write([.init(name: "prompts", shape: [4, 5, 16], values: values)], to: staging.appendingPathComponent("album.safetensors"))
        var manifest = try ArtifactLoader.manifest(of: staging)
        manifest.album!.hash = PromptAlbum.hash(of: Tensor(shape: [4, 5, 16], values: values))
        try manifest.encoded().write(to: staging.appendingPathComponent("task.json"))
        await #expect(throws: PromptsError.albumInUse(album: "album-a", tasks: ["spe-a", "spe-attempt"])) {
            try await registry.put(name: "album-a", from: staging)
        }
        // Re-uploading identical content is fine; then the tasks can go, and then the album.
        try await registry.put(name: "album-a", from: PromptFixtures.tasksDirectory.appendingPathComponent("album-a"))
        try await registry.remove(name: "spe-a")
        try await registry.remove(name: "spe-attempt")
        try await registry.remove(name: "album-a")
        #expect(registry.snapshot().albums.isEmpty && registry.snapshot().tasks.isEmpty)
    }

    @Test func hotSwapLosesNoRequestAndMixesNoVersions() async throws {
        let dir = try PromptFixtures.scratchTasks(["static-a"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = try TaskRegistry(directory: dir, model: model)
        try await registry.put(name: "static-a", from: staticStaging(value: 1))
        let stagings = try (2...6).map { try staticStaging(value: Float($0)) }
        let x = PromptFixtures.embed([5, 9, 1])
        let results = try await withThrowingTaskGroup(of: (version: Int, values: Set<Float>).self) { group in
            for i in 0..<200 {
                group.addTask {
                    // A "request": pin the snapshot, then compute its prompt later, as a batch would.
                    let task = try #require(registry.snapshot().task(named: "static-a"))
                    if i % 3 == 0 { await Task.yield() }
                    let input = PromptBuilder.prompts(for: [PromptRow(task: task, input: x)])[0].prompt
                    return (task.version, Set(input.array[0..<48]))
                }
            }
            group.addTask {
                for staging in stagings { try await registry.put(name: "static-a", from: staging); await Task.yield() }
                return (-1, [])
            }
            var all: [(version: Int, values: Set<Float>)] = []
            for try await result in group where result.version >= 0 { all.append(result) }
            return all
        }
        #expect(results.count == 200, "every in-flight request finished")
        for result in results {
            // Revision k holds the prompt filled with k: one version per request, never a mix.
            #expect(result.values == [Float(result.version)], "request saw version \(result.version) with prompt values \(result.values)")
        }
        #expect(registry.snapshot().task(named: "static-a")?.version == 6)
    }
}
