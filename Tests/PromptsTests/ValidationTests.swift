// A bad artifact is rejected with a message naming the file and the problem: wrong checkpoint, wrong width,
// non-finite values, shape and manifest errors, album hash mismatches, unused tensors, unsupported imports.
import Foundation
import Kernels
import SafeTensors
import Testing
@testable import Prompts

@Suite struct ValidationTests {
    let model = PromptFixtures.model
    let albums = try! PromptFixtures.loadAll().albums

    /// A scratch copy of fixture artifact `name`, modified by `edit`, then loaded.
    func load(_ name: String, model: BaseModelInfo? = nil, albums: [String: PromptAlbum]? = nil,
              edit: (URL) throws -> Void = { _ in }) throws -> LoadedArtifact {
        let root = try PromptFixtures.scratchTasks([name])
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent(name)
        try edit(dir)
        return try ArtifactLoader.load(directory: dir, name: name, version: 0, model: model ?? self.model, albums: albums ?? self.albums)
    }

    func editJSON(_ url: URL, _ change: (inout [String: Any]) -> Void) throws {
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        change(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }

    func expectError(_ matches: (PromptsError) -> Bool, _ body: () throws -> LoadedArtifact, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try body()
            Issue.record("expected an error", sourceLocation: sourceLocation)
        } catch let error as PromptsError {
            #expect(matches(error), "unexpected error: \(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error type: \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func wrongCheckpointIsRejected() {
        let other = BaseModelInfo(dModel: 16, fingerprint: "sha256:feed", padEmbedding: [Float](repeating: 0, count: 16))
        expectError({ if case .fingerprintMismatch(let path, "sha256:feed", PromptFixtures.golden.fingerprint) = $0 { path.hasSuffix("static-a/task.json") } else { false } }) {
            try load("static-a", model: other)
        }
        expectError({ if case .fingerprintMismatch = $0 { true } else { false } }) { try load("spe-a", model: other) }
    }

    @Test func wrongWidthIsRejected() {
        let narrow = BaseModelInfo(dModel: 8, fingerprint: "x", padEmbedding: [Float](repeating: 0, count: 8))
        expectError({ if case .dModelMismatch(_, 8, 16) = $0 { true } else { false } }) {
            try load("peft-pt", model: narrow)
        }
        expectError({ if case .dModelMismatch(_, 8, 16) = $0 { true } else { false } }) { try load("t5x", model: narrow) }
    }

    @Test func nonFiniteValuesAreRejected() {
        expectError({ if case .nonFinite(let path, "prompt", 5) = $0 { path.hasSuffix("prompt.safetensors") } else { false } }) {
            try load("static-a") { dir in
                var values = [Float](repeating: 0.5, count: 3 * 16)
                values[5] = .nan
                try SafeTensorsWriter.write([.init(name: "prompt", shape: [3, 16], values: values)], to: dir.appendingPathComponent("prompt.safetensors"))
            }
        }
    }

    @Test func shapeAndTensorSetAreChecked() {
        expectError({ if case .shapeMismatch(_, "prompt", [4, 16], [3, 16]) = $0 { true } else { false } }) {
            try load("static-a") { dir in try editJSON(dir.appendingPathComponent("task.json")) { $0["promptLength"] = 4 } }
        }
        expectError({ if case .unusedTensors(_, ["stray"]) = $0 { true } else { false } }) {
            try load("static-a") { dir in
                try SafeTensorsWriter.write([.init(name: "prompt", shape: [3, 16], values: .init(repeating: 0, count: 48)),
                                             .init(name: "stray", shape: [1], values: [0])], to: dir.appendingPathComponent("prompt.safetensors"))
            }
        }
        expectError({ if case .missingTensor(_, "layer_norm.bias") = $0 { true } else { false } }) {
            try load("spe-a") { dir in
                let url = dir.appendingPathComponent("spe.safetensors")
                let file = try SafeTensorsFile(url: url)
                let kept = try file.names.filter { $0 != "layer_norm.bias" }.map { SafeTensorsWriter.Entry(name: $0, shape: file.tensors[$0]!.shape, values: try file.floats($0)) }
                try SafeTensorsWriter.write(kept, to: url)
            }
        }
        expectError({ if case .unreadable(let path, _) = $0 { path.hasSuffix("prompt.safetensors") } else { false } }) {
            try load("static-a") { dir in
                let url = dir.appendingPathComponent("prompt.safetensors")
                try Data(try Data(contentsOf: url).prefix(40)).write(to: url)
            }
        }
    }

    @Test func manifestErrorsNameTheKey() {
        expectError({ if case .badManifest(_, "unknown key 'lables'") = $0 { true } else { false } }) {
            try load("static-a") { dir in try editJSON(dir.appendingPathComponent("task.json")) { $0["lables"] = ["a"] } }
        }
        expectError({ if case .badManifest(_, let reason) = $0 { reason.contains("format") } else { false } }) {
            try load("static-a") { dir in try editJSON(dir.appendingPathComponent("task.json")) { $0["format"] = "album.task/9" } }
        }
        expectError({ if case .badManifest(_, let reason) = $0 { reason.contains("template") } else { false } }) {
            try load("static-a") { dir in try editJSON(dir.appendingPathComponent("task.json")) { $0["template"] = "premise: {premise" } }
        }
        expectError({ if case .badManifest(_, let reason) = $0 { reason.contains("kind") } else { false } }) {
            try load("static-a") { dir in try editJSON(dir.appendingPathComponent("task.json")) { $0["kind"] = "lora" } }
        }
    }

    @Test func albumHashesAreEnforced() {
        expectError({ if case .albumHashMismatch(_, "album-a", "sha256:0000", PromptFixtures.golden.albumHash) = $0 { true } else { false } }) {
            try load("album-a") { dir in
                try editJSON(dir.appendingPathComponent("task.json")) { object in
                    var album = object["album"] as! [String: Any]
                    album["hash"] = "sha256:0000"
                    object["album"] = album
                }
            }
        }
        expectError({ if case .albumHashMismatch(_, "album-a", "sha256:1111", _) = $0 { true } else { false } }) {
            try load("spe-a") { dir in
                try editJSON(dir.appendingPathComponent("task.json")) { object in
                    var spe = object["spe"] as! [String: Any]
                    spe["albumHash"] = "sha256:1111"
                    object["spe"] = spe
                }
            }
        }
        expectError({ $0 == .missingAlbum(task: "spe-a", album: "album-a") }) { try load("spe-a", albums: [:]) }
    }

    @Test func unsupportedImportsAreRejected() {
        expectError({ if case .badManifest(_, let reason) = $0 { reason.contains("LORA") } else { false } }) {
            try load("peft-pt") { dir in try editJSON(dir.appendingPathComponent("adapter_config.json")) { $0["peft_type"] = "LORA" } }
        }
        expectError({ if case .unreadable(_, let reason) = $0 { reason.contains("adapter_model.bin") } else { false } }) {
            try load("peft-pt") { dir in
                try FileManager.default.moveItem(at: dir.appendingPathComponent("adapter_model.safetensors"), to: dir.appendingPathComponent("adapter_model.bin"))
            }
        }
        expectError({ if case .badManifest(_, let reason) = $0 { reason.contains("peftTaskId") } else { false } }) {
            try load("peft-mpt") { dir in try editJSON(dir.appendingPathComponent("task.json")) { $0["peftTaskId"] = 5 } }
        }
        expectError({ if case .unreadable(_, let reason) = $0 { reason.contains("dtype") } else { false } }) {
            try load("t5x") { dir in
                var bytes = [UInt8](try Data(contentsOf: dir.appendingPathComponent("prompt.npy")))
                let header = String(decoding: bytes, as: UTF8.self)
                let offset = header.distance(from: header.startIndex, to: header.range(of: "<f4")!.lowerBound)
                bytes[offset + 1] = UInt8(ascii: "i")
                try Data(bytes).write(to: dir.appendingPathComponent("prompt.npy"))
            }
        }
        expectError({ if case .unrecognisedArtifact = $0 { true } else { false } }) {
            try load("t5x") { dir in try FileManager.default.removeItem(at: dir.appendingPathComponent("prompt.npy")) }
        }
    }
}
