// A bad artifact is rejected with the exact error naming the file and the problem: wrong checkpoint, wrong width,
// non-finite values, shape and manifest errors, album hash mismatches, unused tensors, unsupported imports.
import Foundation
import Kernels
import SafeTensors
import Testing
@testable import Prompts

@Suite struct ValidationTests {
    let model = PromptFixtures.model
    let albums = try! PromptFixtures.loadAll().albums

    /// A scratch copy of fixture artifact `name`, modified by `edit`, then loaded; the error it gives (nil if it
    /// loaded) and the copy's folder, so a test can name the exact file the error must point at.
    func loadError(_ name: String, model: BaseModelInfo? = nil, albums: [String: PromptAlbum]? = nil,
                   edit: (URL) throws -> Void = { _ in }) throws -> (error: PromptsError?, dir: URL) {
        let root = try PromptFixtures.scratchTasks([name])
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent(name)
        try edit(dir)
        do {
            _ = try ArtifactLoader.load(directory: dir, name: name, version: 0, model: model ?? self.model, albums: albums ?? self.albums)
            return (nil, dir)
        } catch {
            return (error, dir)
        }
    }

    func editJSON(_ url: URL, _ change: (inout [String: Any]) -> Void) throws {
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        change(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }

    /// Expects exactly `expected(dir)`: the case, the file it names and the reason.
    func expectError(_ name: String, model: BaseModelInfo? = nil, albums: [String: PromptAlbum]? = nil,
                     edit: (URL) throws -> Void = { _ in }, _ expected: (URL) -> PromptsError,
                     sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (error, dir) = try loadError(name, model: model, albums: albums, edit: edit)
        #expect(error == expected(dir), sourceLocation: sourceLocation)
    }

    @Test func wrongCheckpointIsRejected() throws {
        let other = BaseModelInfo(dModel: 16, fingerprint: "sha256:feed", padEmbedding: [Float](repeating: 0, count: 16))
        let fingerprint = PromptFixtures.golden.fingerprint
        for name in ["static-a", "spe-a"] {
            try expectError(name, model: other) {
                .fingerprintMismatch(path: $0.appendingPathComponent("task.json").path, expected: "sha256:feed", got: fingerprint)
            }
        }
    }

    @Test func wrongWidthIsRejected() throws {
        let narrow = BaseModelInfo(dModel: 8, fingerprint: "x", padEmbedding: [Float](repeating: 0, count: 8))
        try expectError("peft-pt", model: narrow) {
            .dModelMismatch(path: $0.appendingPathComponent("adapter_model.safetensors").path, expected: 8, got: 16)
        }
        try expectError("t5x", model: narrow) { .dModelMismatch(path: $0.appendingPathComponent("prompt.npy").path, expected: 8, got: 16) }
        try expectError("static-a", model: narrow) { .dModelMismatch(path: $0.appendingPathComponent("task.json").path, expected: 8, got: 16) }
    }

    @Test func nonFiniteValuesAreRejected() throws {
        try expectError("static-a", edit: { dir in
            var values = [Float](repeating: 0.5, count: 3 * 16)
            values[5] = .nan
            try SafeTensorsWriter.write([.init(name: "prompt", shape: [3, 16], values: values)], to: dir.appendingPathComponent("prompt.safetensors"))
        }) { .nonFinite(path: $0.appendingPathComponent("prompt.safetensors").path, tensor: "prompt", index: 5) }
    }

    @Test func shapeAndTensorSetAreChecked() throws {
        try expectError("static-a", edit: { dir in try editJSON(dir.appendingPathComponent("task.json")) { $0["promptLength"] = 4 } }) {
            .shapeMismatch(path: $0.appendingPathComponent("prompt.safetensors").path, tensor: "prompt", expected: [4, 16], got: [3, 16])
        }
        try expectError("static-a", edit: { dir in
            try SafeTensorsWriter.write([.init(name: "prompt", shape: [3, 16], values: .init(repeating: 0, count: 48)),
                                         .init(name: "stray", shape: [1], values: [0])], to: dir.appendingPathComponent("prompt.safetensors"))
        }) { .unusedTensors(path: $0.appendingPathComponent("prompt.safetensors").path, tensors: ["stray"]) }
        try expectError("spe-a", edit: { dir in
            let url = dir.appendingPathComponent("spe.safetensors")
            let file = try SafeTensorsFile(url: url)
            let kept = try file.names.filter { $0 != "layer_norm.bias" }.map { SafeTensorsWriter.Entry(name: $0, shape: file.tensors[$0]!.shape, values: try file.floats($0)) }
            try SafeTensorsWriter.write(kept, to: url)
        }) { .missingTensor(path: $0.appendingPathComponent("spe.safetensors").path, tensor: "layer_norm.bias") }
        // 40 bytes: the 8-byte header length and the first 32 bytes of a longer header.
        let original = try Data(contentsOf: PromptFixtures.tasksDirectory.appendingPathComponent("static-a/prompt.safetensors"))
        let headerLength = original.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian }
        try expectError("static-a", edit: { dir in
            let url = dir.appendingPathComponent("prompt.safetensors")
            try Data(try Data(contentsOf: url).prefix(40)).write(to: url)
        }) { dir in
            let path = dir.appendingPathComponent("prompt.safetensors").path
            let cut = SafeTensorsError.truncated(path: path, reason: "header length \(headerLength) exceeds file size 40")
            return .unreadable(path: path, reason: cut.description)
        }
    }

    @Test func manifestErrorsNameTheKey() throws {
        func manifest(_ dir: URL) -> String { dir.appendingPathComponent("task.json").path }
        try expectError("static-a", edit: { dir in try editJSON(dir.appendingPathComponent("task.json")) { $0["lables"] = ["a"] } }) {
            .badManifest(path: manifest($0), reason: "unknown key 'lables'")
        }
        try expectError("static-a", edit: { dir in try editJSON(dir.appendingPathComponent("task.json")) { $0["format"] = "album.task/9" } }) {
            .badManifest(path: manifest($0), reason: "format 'album.task/9' is not supported (expected 'album.task/1')")
        }
        try expectError("static-a", edit: { dir in try editJSON(dir.appendingPathComponent("task.json")) { $0["template"] = "premise: {premise" } }) {
            .badManifest(path: manifest($0), reason: "template \"premise: {premise\": unclosed '{'")
        }
        // The decoder's own wording follows the key and differs between platforms.
        let (error, dir) = try loadError("static-a") { dir in try editJSON(dir.appendingPathComponent("task.json")) { $0["kind"] = "lora" } }
        guard case .badManifest(let path, let reason)? = error else { Issue.record("expected badManifest, got \(String(describing: error))"); return }
        #expect(path == manifest(dir) && reason.hasPrefix("bad value at 'kind'"), "\(reason)")
    }

    @Test func albumHashesAreEnforced() throws {
        try expectError("album-a", edit: { dir in
            try editJSON(dir.appendingPathComponent("task.json")) { object in
                var album = object["album"] as! [String: Any]
                album["hash"] = "sha256:0000"
                object["album"] = album
            }
        }) { .albumHashMismatch(path: $0.appendingPathComponent("album.safetensors").path, album: "album-a", expected: "sha256:0000",
                                got: PromptFixtures.golden.albumHash) }
        try expectError("spe-a", edit: { dir in
            try editJSON(dir.appendingPathComponent("task.json")) { object in
                var spe = object["spe"] as! [String: Any]
                spe["albumHash"] = "sha256:1111"
                object["spe"] = spe
            }
        }) { .albumHashMismatch(path: $0.appendingPathComponent("task.json").path, album: "album-a", expected: "sha256:1111",
                                got: PromptFixtures.golden.albumHash) }
        try expectError("spe-a", albums: [:]) { _ in .missingAlbum(task: "spe-a", album: "album-a") }
    }

    @Test func unsupportedImportsAreRejected() throws {
        try expectError("peft-pt", edit: { dir in try editJSON(dir.appendingPathComponent("adapter_config.json")) { $0["peft_type"] = "LORA" } }) {
            .badManifest(path: $0.appendingPathComponent("adapter_config.json").path,
                         reason: "peft_type 'LORA' is not supported (PROMPT_TUNING, MULTITASK_PROMPT_TUNING)")
        }
        try expectError("peft-pt", edit: { dir in
            try FileManager.default.moveItem(at: dir.appendingPathComponent("adapter_model.safetensors"), to: dir.appendingPathComponent("adapter_model.bin"))
        }) { .unreadable(path: $0.appendingPathComponent("adapter_model.safetensors").path,
                         reason: "only the pickled adapter_model.bin is present; re-save the adapter with safe_serialization=True") }
        try expectError("peft-mpt", edit: { dir in try editJSON(dir.appendingPathComponent("task.json")) { $0["peftTaskId"] = 5 } }) {
            .badManifest(path: $0.appendingPathComponent("adapter_model.safetensors").path, reason: "peftTaskId 5 is out of range for 2 tasks")
        }
        try expectError("t5x", edit: { dir in
            var bytes = [UInt8](try Data(contentsOf: dir.appendingPathComponent("prompt.npy")))
            let header = String(decoding: bytes, as: UTF8.self)
            let offset = header.distance(from: header.startIndex, to: header.range(of: "<f4")!.lowerBound)
            bytes[offset + 1] = UInt8(ascii: "i")
            try Data(bytes).write(to: dir.appendingPathComponent("prompt.npy"))
        }) { .unreadable(path: $0.appendingPathComponent("prompt.npy").path,
                         reason: "not a supported .npy file: dtype '<i4'; only little-endian float32 ('<f4') and float16 ('<f2') are supported") }
        try expectError("t5x", edit: { dir in try FileManager.default.removeItem(at: dir.appendingPathComponent("prompt.npy")) }) {
            .unrecognisedArtifact(path: $0.path, reason: "no task.json, no PEFT adapter_config.json and not exactly one .npy file")
        }
    }

    /// docs/task-format.md: `promptFormat` is "detected from the files when absent" — also when a task.json gives the
    /// template and labels but names no format (a PEFT adapter or a T5X prompt with a hand-written manifest).
    @Test func aManifestWithoutPromptFormatDetectsItFromTheFiles() throws {
        let manifest = #"{"kind": "static", "template": "review: {text}", "labels": ["bad", "good"]}"#
        for name in ["peft-pt", "t5x"] {
            let (error, _) = try loadError(name) { dir in try Data(manifest.utf8).write(to: dir.appendingPathComponent("task.json")) }
            #expect(error == nil, "\(name) with a task.json that names no promptFormat: \(String(describing: error))")
        }
        let root = try PromptFixtures.scratchTasks(["peft-pt"])
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("peft-pt")
        try Data(manifest.utf8).write(to: dir.appendingPathComponent("task.json"))
        let loaded = try ArtifactLoader.load(directory: dir, name: "peft-pt", version: 0, model: model, albums: albums)
        guard case .task(let task) = loaded else { Issue.record("not a task"); return }
        #expect(task.source.hasPrefix("peft:") && task.labels == ["bad", "good"])
        // An upload of the same files takes the adapter's files, not prompt.safetensors.
        let decoded = try TaskManifest.decode(Data(manifest.utf8), path: "task.json")
        #expect(ArtifactLoader.fileNames(of: decoded, among: ["task.json", "adapter_config.json", "adapter_model.safetensors"])
                == ["task.json", "adapter_config.json", "adapter_model.safetensors"])
    }
}
