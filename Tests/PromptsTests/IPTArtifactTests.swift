// IPT artifacts in the registry: an `ipt` task serves Proj_b(z), computed once at load and equal to the static task
// holding that prompt; its subspace is loaded once and shared; a subspace in use cannot be removed or replaced;
// hostile subspace and IPT files (wrong shapes, huge dimensions, bad hashes, path escapes, NaN) are refused with the
// error naming the problem; manifests round-trip.
import Foundation
import Kernels
import SafeTensors
import Testing
@testable import Prompts

@Suite struct IPTArtifactTests {
    let model = PromptFixtures.model

    func makeRegistry() throws -> (TaskRegistry, URL) {
        let dir = try IPTFixture.tasksDirectory()
        return (try TaskRegistry(directory: dir, model: model), dir)
    }

    @Test func servedPromptIsProjBOfZAndTheSubspaceIsShared() async throws {
        let (registry, dir) = try makeRegistry()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(registry.issues.isEmpty, "\(registry.issues)")
        let snapshot = registry.snapshot()
        let task = try #require(snapshot.task(named: "ipt-a"))
        #expect(task.kind == .ipt && task.source == "ipt" && task.promptLength == IPTFixture.n)
        guard case .fixed(let prompt) = task.prompt,
              case .fixed(let reference) = try #require(snapshot.task(named: "ipt-static")).prompt else {
            Issue.record("not fixed prompts"); return
        }
        #expect(prompt.array == IPTFixture.autoencoder().prompt(for: IPTFixture.z).array)
        #expect(prompt.array == reference.array)
        let subspace = try #require(snapshot.subspaces["sub-a"])
        #expect(task.subspace === subspace && subspace.sources == ["nli", "topic"])
        #expect(snapshot.tasks["sub-a"] == nil, "a subspace is not servable")
        // A second IPT task in the same subspace shares the loaded object.
        var files = try IPTFixture.files().ipt
        let z2 = IPTFixture.tensor([IPTFixture.di], scale: 0.5, seed: 5)
        files = try IPTArtifactFiles.task(z: z2, subspace: "sub-a", hash: subspace.hash, manifest: IPTFixture.baseManifest("ipt-b"))
        try await registry.put(name: "ipt-b", files: files)
        let second = try #require(registry.snapshot().task(named: "ipt-b"))
        #expect(second.subspace === subspace)
        #expect(registry.snapshot().dependents(of: "sub-a").map(\.name).sorted() == ["ipt-a", "ipt-b"])
        // A restart loads the same.
        let again = try TaskRegistry(directory: dir, model: model)
        #expect(again.issues.isEmpty, "\(again.issues)")
        guard case .fixed(let reloaded) = try #require(again.snapshot().task(named: "ipt-b")).prompt else { return }
        #expect(reloaded.array == subspace.autoencoder.prompt(for: z2).array)
    }

    @Test func subspaceInUseCannotBeRemovedOrReplaced() async throws {
        let (registry, dir) = try makeRegistry()
        defer { try? FileManager.default.removeItem(at: dir) }
        await #expect(throws: PromptsError.subspaceInUse(subspace: "sub-a", tasks: ["ipt-a"])) {
            try await registry.remove(name: "sub-a")
        }
        let other = try IPTFixture.files(autoencoder: IPTFixture.autoencoder(seed: 50)).subspace
        await #expect(throws: PromptsError.subspaceInUse(subspace: "sub-a", tasks: ["ipt-a"])) {
            try await registry.put(name: "sub-a", files: other)
        }
        // The same content again is fine; once the task is gone the subspace can go.
        try await registry.put(name: "sub-a", files: try IPTFixture.files().subspace)
        #expect(registry.snapshot().subspaces["sub-a"]?.version == 1)
        try await registry.remove(name: "ipt-a")
        try await registry.remove(name: "sub-a")
        #expect(registry.snapshot().subspaces.isEmpty)
        // Now an IPT task has nothing to resolve.
        await #expect(throws: PromptsError.missingSubspace(task: "ipt-a", subspace: "sub-a")) {
            try await registry.put(name: "ipt-a", files: try IPTFixture.files().ipt)
        }
    }

    @Test func reloadKeepsASubspaceItsTasksStillUse() async throws {
        let (registry, dir) = try makeRegistry()
        defer { try? FileManager.default.removeItem(at: dir) }
        let served = try #require(registry.snapshot().subspaces["sub-a"])
        // Another process replaces the subspace folder's content under the task's feet.
        let other = try IPTFixture.files(autoencoder: IPTFixture.autoencoder(seed: 60)).subspace
        try IPTArtifactFiles.write(other, to: dir.appendingPathComponent("sub-a"))
        let report = await registry.reload()
        #expect(report.issues.contains { $0.error == .subspaceInUse(subspace: "sub-a", tasks: ["ipt-a"]) }, "\(report.issues)")
        #expect(registry.snapshot().subspaces["sub-a"] === served)
        #expect(registry.snapshot().task(named: "ipt-a")?.subspace === served)
    }

    /// The error of uploading `files` as `name` into a registry holding the IPT fixtures.
    func uploadError(_ name: String, _ files: [String: Data]) async throws -> PromptsError? {
        let (registry, dir) = try makeRegistry()
        defer { try? FileManager.default.removeItem(at: dir) }
        do { try await registry.put(name: name, files: files) } catch { return error }
        return nil
    }

    func editManifest(_ files: [String: Data], _ change: (inout [String: Any]) -> Void) throws -> [String: Data] {
        var object = try JSONSerialization.jsonObject(with: files["task.json"]!) as! [String: Any]
        change(&object)
        var files = files
        files["task.json"] = try JSONSerialization.data(withJSONObject: object)
        return files
    }

    func set(_ object: inout [String: Any], _ section: String, _ key: String, _ value: Any) {
        var inner = object[section] as? [String: Any] ?? [:]
        inner[key] = value
        object[section] = inner
    }

    func tensorFile(_ tensors: [(String, [Int], [Float])]) throws -> Data {
        var encoder = SafeTensorsEncoder()
        for (name, shape, values) in tensors { values.withUnsafeBufferPointer { encoder.add(name: name, shape: shape, values: $0) } }
        return try encoder.encoded()
    }

    @Test func hostileSubspacesAreRefused() async throws {
        let good = try IPTFixture.files()
        let ae = IPTFixture.autoencoder()
        // Bad hash in the subspace's own manifest.
        let badHash = try editManifest(good.subspace) { set(&$0, "subspace", "hash", "sha256:00") }
        #expect(try await uploadError("sub-b", badHash)
                == .subspaceHashMismatch(path: "upload/subspace.safetensors", subspace: "sub-b", expected: "sha256:00", got: ae.contentHash))
        // Huge dimensions: refused from the manifest, before any tensor is read.
        for (key, value) in [("hidden", 1_000_000_000), ("intrinsicDim", Int.max / 2), ("hidden", 8193)] {
            let huge = try editManifest(good.subspace) { set(&$0, "subspace", key, value) }
            guard case .badManifest(let path, let reason)? = try await uploadError("sub-b", huge) else {
                Issue.record("\(key) \(value) was not refused"); continue
            }
            #expect(path == "upload/task.json" && reason.contains("exceeds the server's limit"), "\(reason)")
        }
        let hugeLength = try editManifest(good.subspace) { $0["promptLength"] = 1 << 40 }
        guard case .badManifest? = try await uploadError("sub-b", hugeLength) else { Issue.record("promptLength 2^40 accepted"); return }
        // A tensor of the wrong shape.
        var wrongShape = good.subspace
        var tensors = ae.namedTensors.map { ($0.0, $0.1.shape, $0.1.array) }
        tensors[2] = (tensors[2].0, [IPTFixture.h, IPTFixture.di + 1], [Float](repeating: 0.1, count: IPTFixture.h * (IPTFixture.di + 1)))
        wrongShape[ArtifactLoader.subspaceFile] = try tensorFile(tensors)
        #expect(try await uploadError("sub-b", wrongShape) == .shapeMismatch(
            path: "upload/subspace.safetensors", tensor: "proj_b.hidden.weight", expected: [IPTFixture.h, IPTFixture.di],
            got: [IPTFixture.h, IPTFixture.di + 1]))
        // A subspace made for another width (d = 8 with the same n): the width is named.
        let narrow = IPTFixture.autoencoder(n: IPTFixture.n, d: 8)
        var narrowManifest = TaskManifest(kind: .iptSubspace)
        narrowManifest.name = "narrow"
        let narrowFiles = try IPTArtifactFiles.subspace(narrow, manifest: narrowManifest)
        #expect(try await uploadError("sub-b", narrowFiles) == .dModelMismatch(path: "upload/subspace.safetensors", expected: 16, got: 8))
        // Extra tensors, NaN, a file outside the artifact's set, a path in a file name.
        var extra = good.subspace
        extra[ArtifactLoader.subspaceFile] = try tensorFile(ae.namedTensors.map { ($0.0, $0.1.shape, $0.1.array) } + [("x", [1], [0])])
        guard case .unusedTensors? = try await uploadError("sub-b", extra) else { Issue.record("extra tensor accepted"); return }
        var nan = good.subspace
        nan[ArtifactLoader.subspaceFile] = try tensorFile(ae.namedTensors.enumerated().map { i, t in
            (t.0, t.1.shape, i == 4 ? t.1.array.enumerated().map { $0.offset == 3 ? .nan : $0.element } : t.1.array)
        })
        #expect(try await uploadError("sub-b", nan) == .nonFinite(path: "upload/subspace.safetensors", tensor: "proj_b.out.weight", index: 3))
        var escape = good.subspace
        escape["../subspace.safetensors"] = escape.removeValue(forKey: ArtifactLoader.subspaceFile)
        guard case .unrecognisedArtifact? = try await uploadError("sub-b", escape) else { Issue.record("path escape accepted"); return }
        var stray = good.subspace
        stray["prompt.safetensors"] = good.staticTask[ArtifactLoader.staticPromptFile]
        guard case .unrecognisedArtifact? = try await uploadError("sub-b", stray) else { Issue.record("stray file accepted"); return }
    }

    @Test func hostileIPTTasksAreRefused() async throws {
        let good = try IPTFixture.files()
        let hash = IPTFixture.autoencoder().contentHash
        let badHash = try editManifest(good.ipt) { set(&$0, "ipt", "subspaceHash", "sha256:11") }
        #expect(try await uploadError("ipt-b", badHash)
                == .subspaceHashMismatch(path: "upload/task.json", subspace: "sub-a", expected: "sha256:11", got: hash))
        for name in ["../sub-a", "/etc", "sub-a/x", ""] {
            let escape = try editManifest(good.ipt) { set(&$0, "ipt", "subspace", name) }
            #expect(try await uploadError("ipt-b", escape) == .badManifest(
                path: "upload/task.json", reason: "ipt.subspace must be the name of a subspace in the tasks directory"))
        }
        let missing = try editManifest(good.ipt) { set(&$0, "ipt", "subspace", "sub-z") }
        #expect(try await uploadError("ipt-b", missing) == .missingSubspace(task: "ipt-b", subspace: "sub-z"))
        var long = good.ipt
        long[ArtifactLoader.iptFile] = try tensorFile([("z", [IPTFixture.di + 1], [Float](repeating: 0, count: IPTFixture.di + 1))])
        #expect(try await uploadError("ipt-b", long) == .shapeMismatch(path: "upload/ipt.safetensors", tensor: "z",
                                                                         expected: [IPTFixture.di], got: [IPTFixture.di + 1]))
        var nan = good.ipt
        nan[ArtifactLoader.iptFile] = try tensorFile([("z", [IPTFixture.di], [0, .nan, 0, 0])])
        #expect(try await uploadError("ipt-b", nan) == .nonFinite(path: "upload/ipt.safetensors", tensor: "z", index: 1))
        let noSection = try editManifest(good.ipt) { $0["ipt"] = nil }
        #expect(try await uploadError("ipt-b", noSection) == .badManifest(path: "upload/task.json", reason: "kind 'ipt' needs an 'ipt' section"))
        // An IPT task naming an album, not a subspace.
        let album = try editManifest(good.ipt) { set(&$0, "ipt", "subspace", "album-a") }
        #expect(try await uploadError("ipt-b", album) == .missingSubspace(task: "ipt-b", subspace: "album-a"))
    }

    @Test func manifestsRoundTrip() throws {
        let files = try IPTFixture.files()
        for data in [files.subspace["task.json"]!, files.ipt["task.json"]!] {
            let manifest = try TaskManifest.decode(data, path: "task.json")
            #expect(try TaskManifest.decode(manifest.encoded(), path: "again") == manifest)
        }
        let subspace = try TaskManifest.decode(files.subspace["task.json"]!, path: "task.json")
        #expect(subspace.kind == .iptSubspace && subspace.subspace?.intrinsicDim == IPTFixture.di && subspace.subspace?.hidden == IPTFixture.h)
        let ipt = try TaskManifest.decode(files.ipt["task.json"]!, path: "task.json")
        #expect(ipt.kind == .ipt && ipt.ipt == IPTSettings(subspace: "sub-a", subspaceHash: IPTFixture.autoencoder().contentHash))
        #expect(ArtifactLoader.fileNames(of: subspace, among: []) == ["task.json", "subspace.safetensors"])
        #expect(ArtifactLoader.fileNames(of: ipt, among: []) == ["task.json", "ipt.safetensors"])
    }
}
