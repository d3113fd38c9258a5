// Start-up over a tasks directory full of hostile artifacts: every bad folder is reported with its error and
// skipped on its own, the good ones are served, and nothing traps. Plus the loader-level checks the router adds
// nothing to: a hand-placed folder whose promptFile climbs out of it, and SPE values that only break as Float.
import Foundation
import Kernels
@testable import Prompts
import SafeTensors
import TestSupport
import Testing

@Suite struct HostileArtifactTests {
    @Test func startUpReportsAndSkipsEveryBadTaskAndServesTheRest() throws {
        let directory = try PromptFixtures.scratchTasks()
        defer { try? FileManager.default.removeItem(at: directory) }
        let attacks = try HostileArtifacts.all(fixtureTasks: PromptFixtures.tasksDirectory, maxPromptLength: 64)
        for attack in attacks {
            let folder = directory.appendingPathComponent(attack.name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for (file, bytes) in attack.files { try Data(bytes).write(to: folder.appendingPathComponent(file)) }
        }
        // Also: a folder that is not an artifact at all, and a task.json that is not JSON.
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("empty"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("garbage"), withIntermediateDirectories: true)
        try Data([0xFF, 0x00, 0x7B]).write(to: directory.appendingPathComponent("garbage/task.json"))

        let start = ContinuousClock.now
        let registry = try TaskRegistry(directory: directory, model: PromptFixtures.model,
                                        limits: ArtifactLimits(maxPromptLength: 64))
        let elapsed = ContinuousClock.now - start
        let snapshot = registry.snapshot()
        #expect(snapshot.taskNames == ["peft-mpt", "peft-pt", "spe-a", "spe-attempt", "static-a", "t5x"])
        #expect(snapshot.albums.keys.sorted() == ["album-a"])
        let issues = Dictionary(registry.issues.map { ($0.entry, $0.description) }, uniquingKeysWith: { $1 })
        for attack in attacks {
            let issue = issues[attack.name]
            #expect(issue?.contains(attack.expected) == true, "\(attack.name): \(issue ?? "not reported")")
        }
        #expect(issues["empty"]?.contains("not a task artifact") == true)
        #expect(issues["garbage"]?.contains("invalid manifest") == true)
        #expect(registry.issues.count == attacks.count + 2)
        print("start-up over \(attacks.count + 2) bad folders and 7 good ones: \(elapsed)")
    }

    @Test func aHandPlacedFolderCannotReachOutsideItself() throws {
        let directory = try PromptFixtures.scratchTasks(["t5x"])
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = directory.appendingPathComponent("climber")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var messages: [String] = []
        for promptFile in ["../t5x/prompt.npy", "../t5x/missing.npy", directory.appendingPathComponent("t5x/prompt.npy").path, ".."] {
            let manifest = try JSONSerialization.data(withJSONObject: ["kind": "static", "promptFormat": "t5x", "promptFile": promptFile])
            try manifest.write(to: folder.appendingPathComponent("task.json"))
            #expect(throws: PromptsError.self, "\(promptFile)") {
                _ = try ArtifactLoader.load(directory: folder, name: "climber", version: 0, model: PromptFixtures.model, albums: [:])
            }
            do { _ = try ArtifactLoader.load(directory: folder, name: "climber", version: 0, model: PromptFixtures.model, albums: [:]) } catch {
                messages.append(error.description)
            }
        }
        #expect(Set(messages).count == 1, "one answer for every outside path: \(messages)")
        #expect(messages.first?.contains("promptFile must be the name of a file in the task's own folder") == true)
    }

    /// Values valid as Double but not as Float: the temperature and epsilon are checked after the conversion, and
    /// the keys folded with them must keep every attention score finite.
    @Test func speValuesAreCheckedAsTheFloatsTheyBecome() throws {
        let snapshot = try PromptFixtures.loadAll()
        let album = try #require(snapshot.albums["album-a"])
        let source = PromptFixtures.tasksDirectory.appendingPathComponent("spe-a")
        for (temperature, epsilon, expected) in [(1e-300, nil, "spe.temperature"), (8.0, 1e-300, "spe.layerNormEpsilon"),
                                                 (1e-37, nil, "SPE"), (1e39, nil, "spe.temperature")] as [(Double, Double?, String)] {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("album-spe-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            try FileManager.default.copyItem(at: source.appendingPathComponent("spe.safetensors"), to: folder.appendingPathComponent("spe.safetensors"))
            var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("task.json"))) as? [String: Any])
            var settings = try #require(object["spe"] as? [String: Any])
            settings["temperature"] = temperature
            settings["layerNormEpsilon"] = epsilon
            object["spe"] = settings
            try JSONSerialization.data(withJSONObject: object).write(to: folder.appendingPathComponent("task.json"))
            do {
                _ = try ArtifactLoader.load(directory: folder, name: "spe-x", version: 0, model: PromptFixtures.model, albums: ["album-a": album])
                Issue.record("temperature \(temperature), epsilon \(String(describing: epsilon)) was accepted")
            } catch {
                #expect(error.description.contains(expected), "\(temperature): \(error)")
            }
        }
    }

    @Test func sizesFromHeadersAreOverflowChecked() {
        #expect(CheckedSize.elementCount([1 << 32, 1 << 32, 16]) == nil)
        #expect(CheckedSize.byteCount([1 << 61], elementSize: 4) == nil)
        #expect(CheckedSize.elementCount([3, -1]) == nil)
        #expect(CheckedSize.elementCount([3, 4]) == 12 && CheckedSize.elementCount([]) == 1)
        #expect(CheckedSize.exactInteger(NSNumber(value: 8.5)) == nil)
        #expect(CheckedSize.exactInteger(NSNumber(value: 8.0)) == 8)
        #expect(CheckedSize.exactInteger(NSNumber(value: UInt64.max)) == nil)
        #expect(CheckedSize.exactInteger(true) == nil && CheckedSize.exactInteger("3") == nil)
    }
}
