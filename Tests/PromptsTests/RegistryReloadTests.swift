// Rescanning a tasks directory that another process changes (`TaskRegistry.reload`): tasks added, replaced and
// removed on disk are served in one snapshot swap while pinned snapshots keep their versions; an unchanged
// directory publishes nothing; a broken entry never replaces a working version; an album served SPE tasks use
// keeps its version when it is replaced or removed on disk.
import Foundation
import Kernels
import SafeTensors
import Testing
@testable import Prompts

@Suite struct RegistryReloadTests {
    let model = PromptFixtures.model

    /// A staging folder holding an Album static task whose prompt (3, 16) is filled with `value`.
    func staticStaging(value: Float) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("album-staging-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try SafeTensorsWriter.write([.init(name: "prompt", shape: [3, 16], values: .init(repeating: value, count: 48))],
                                    to: dir.appendingPathComponent("prompt.safetensors"))
        var manifest = TaskManifest(kind: .staticPrompt)
        manifest.baseModel = BaseModelRef(fingerprint: model.fingerprint, dModel: 16)
        try manifest.encoded().write(to: dir.appendingPathComponent("task.json"))
        return dir
    }

    func value(of task: LoadedTask?) -> Float? {
        guard case .fixed(let prompt)? = task?.prompt else { return nil }
        return prompt.data[0]
    }

    @Test func changesWrittenByAnotherProcessAreServedInOneSwap() async throws {
        let dir = try PromptFixtures.scratchTasks(["static-a", "t5x"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let serving = try TaskRegistry(directory: dir, model: model)
        // `album tasks import` in another process: its own registry over the same directory.
        let importer = try TaskRegistry(directory: dir, model: model)
        let pinned = serving.snapshot()

        let unchanged = await serving.reload()
        #expect(!unchanged.changed && unchanged.issues.isEmpty && unchanged.generation == pinned.generation,
                "an unchanged directory publishes nothing")

        try await importer.put(name: "qa", from: staticStaging(value: 1))
        try await importer.put(name: "static-a", from: staticStaging(value: 2))
        try FileManager.default.removeItem(at: dir.appendingPathComponent("t5x"))
        let report = await serving.reload()
        #expect(report.added == ["qa"] && report.replaced == ["static-a"] && report.removed == ["t5x"])
        #expect(report.issues.isEmpty, "\(report.issues)")
        let now = serving.snapshot()
        #expect(now.generation == pinned.generation + 1, "every change lands in one snapshot")
        #expect(now.taskNames == ["qa", "static-a"])
        #expect(now.task(named: "static-a")?.version == 1 && value(of: now.task(named: "static-a")) == 2)
        #expect(pinned.task(named: "static-a")?.version == 0 && pinned.task(named: "t5x") != nil,
                "a request that pinned the old snapshot finishes on the old versions")
        #expect(value(of: pinned.task(named: "static-a")) != 2)

        // Unchanged entries are kept as they are (no reload of their files).
        let again = await serving.reload()
        #expect(!again.changed && serving.snapshot().task(named: "qa") === now.task(named: "qa"))
    }

    @Test func aBrokenEntryNeverReplacesAWorkingVersion() async throws {
        let dir = try PromptFixtures.scratchTasks(["static-a"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = try TaskRegistry(directory: dir, model: model)
        let working = try #require(registry.snapshot().task(named: "static-a"))

        // A newer revision whose weights are damaged, and a new task that does not load.
        let damaged = dir.appendingPathComponent("static-a@5")
        try FileManager.default.copyItem(at: dir.appendingPathComponent("static-a"), to: damaged)
        try Data([1, 2, 3]).write(to: damaged.appendingPathComponent("prompt.safetensors"))
        let junk = dir.appendingPathComponent("junk")
        try FileManager.default.createDirectory(at: junk, withIntermediateDirectories: true)
        try Data("{\"kind\": \"static\", \"typo\": 1}".utf8).write(to: junk.appendingPathComponent("task.json"))
        let report = await registry.reload()
        #expect(!report.changed)
        #expect(report.issues.map(\.entry).sorted() == ["junk", "static-a@5"])
        #expect(registry.snapshot().task(named: "static-a") === working)
        #expect(registry.snapshot().task(named: "junk") == nil)

        // The served folder itself damaged in place: the loaded version keeps serving.
        try FileManager.default.removeItem(at: damaged)
        try Data([9]).write(to: dir.appendingPathComponent("static-a/prompt.safetensors"))
        let inPlace = await registry.reload()
        #expect(!inPlace.changed && inPlace.issues.map(\.entry) == ["junk", "static-a"])
        #expect(registry.snapshot().task(named: "static-a") === working)

        // Fixed: the repaired folder is loaded again.
        try FileManager.default.copyItem(at: staticStaging(value: 7).appendingPathComponent("prompt.safetensors"),
                                         to: dir.appendingPathComponent("static-a/fixed.tmp"))
        try FileManager.default.removeItem(at: dir.appendingPathComponent("static-a/prompt.safetensors"))
        try FileManager.default.moveItem(at: dir.appendingPathComponent("static-a/fixed.tmp"),
                                         to: dir.appendingPathComponent("static-a/prompt.safetensors"))
        let repaired = await registry.reload()
        #expect(repaired.replaced == ["static-a"] && value(of: registry.snapshot().task(named: "static-a")) == 7)
    }

    /// A reload races a writer: it listed `static-a@1`, and before it read that folder another process wrote
    /// revision 2 and discarded 1 (what `album tasks import` does). The vanished folder is not a broken entry:
    /// nothing is reported and the revision on disk now is loaded; a name removed meanwhile loads nothing.
    @Test func aRevisionReplacedAfterTheScanIsNotReportedAsBroken() async throws {
        let dir = try PromptFixtures.scratchTasks([])
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = try TaskRegistry(directory: dir, model: model)
        try await writer.put(name: "static-a", from: staticStaging(value: 1))
        let store = TaskStore(directory: dir)
        let stale = try #require(store.scan().entries["static-a"])
        #expect(stale.map(\.revision) == [1])
        try await writer.put(name: "static-a", from: staticStaging(value: 2))

        var issues: [LoadIssue] = []
        var tried: [Int] = []
        let loaded = store.firstLoadable("static-a", stale, issues: &issues) { (entry) throws(PromptsError) in
            tried.append(entry.revision)
            return try ArtifactLoader.load(directory: entry.url, name: "static-a", version: entry.revision,
                                           model: model, albums: [:], subspaces: [:], limits: ArtifactLimits())
        }
        #expect(issues.isEmpty, "\(issues)")
        #expect(tried == [1, 2], "the stale revision, then the one listed again")
        guard case .task(let task)? = loaded else { Issue.record("no task loaded"); return }
        #expect(task.version == 2 && value(of: task) == 2)

        // A broken revision that is still there is reported as before.
        let broken = dir.appendingPathComponent("static-a@3")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        let listed = try #require(store.scan().entries["static-a"])
        _ = store.firstLoadable("static-a", listed, issues: &issues) { (entry) throws(PromptsError) in
            try ArtifactLoader.load(directory: entry.url, name: "static-a", version: entry.revision,
                                    model: model, albums: [:], subspaces: [:], limits: ArtifactLimits())
        }
        #expect(issues.map(\.entry) == ["static-a@3"])

        // Removed while the reload ran: nothing loads and nothing is reported.
        issues = []
        try FileManager.default.removeItem(at: broken)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("static-a@2"))
        let gone = store.firstLoadable("static-a", listed, issues: &issues) { (entry) throws(PromptsError) in
            try ArtifactLoader.load(directory: entry.url, name: "static-a", version: entry.revision,
                                    model: model, albums: [:], subspaces: [:], limits: ArtifactLimits())
        }
        #expect(gone == nil && issues.isEmpty, "\(issues)")
    }

    @Test func anAlbumInUseKeepsItsVersion() async throws {
        let dir = try PromptFixtures.scratchTasks(["album-a", "spe-a"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let registry = try TaskRegistry(directory: dir, model: model)
        let album = try #require(registry.snapshot().albums["album-a"])

        // A different album written next to the old one (what a careless rollout would do).
        let changed = dir.appendingPathComponent("album-a@1")
        try FileManager.default.copyItem(at: dir.appendingPathComponent("album-a"), to: changed)
        let file = try SafeTensorsFile(url: changed.appendingPathComponent("album.safetensors"))
        var values = try file.floats("prompts")
        values[0] += 1
        try SafeTensorsWriter.write([.init(name: "prompts", shape: [4, 5, 16], values: values)],
                                    to: changed.appendingPathComponent("album.safetensors"))
        var manifest = try ArtifactLoader.manifest(of: changed)
        manifest.album!.hash = PromptAlbum.hash(of: Tensor(shape: [4, 5, 16], values: values))
        try manifest.encoded().write(to: changed.appendingPathComponent("task.json"))
        let report = await registry.reload()
        #expect(!report.changed)
        #expect(report.issues.contains { $0.entry == "album-a" && $0.error == .albumInUse(album: "album-a", tasks: ["spe-a"]) },
                "\(report.issues)")
        #expect(registry.snapshot().albums["album-a"] === album && registry.snapshot().task(named: "spe-a") != nil)

        // Removing the album from disk while spe-a is still there: both keep serving.
        try FileManager.default.removeItem(at: changed)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("album-a"))
        let removed = await registry.reload()
        #expect(!removed.changed && registry.snapshot().albums["album-a"] === album)
        // Both gone: both leave in one swap.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("spe-a"))
        let both = await registry.reload()
        #expect(both.removed == ["album-a", "spe-a"] && registry.snapshot().albums.isEmpty)
    }
}
