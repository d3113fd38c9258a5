// A catalogue of hostile task artifacts, one per attack the loader must refuse with an error (never a trap): sizes
// that overflow Int, zero-sized dimensions, temperatures that vanish as Float, paths outside the task folder,
// fractional integers and limits beyond the server's. Each is a set of files, as an upload carries them or as a
// folder in a tasks directory holds them. Built from the fixture tasks in Tests/Fixtures/prompts/tasks.
import Foundation

public struct HostileArtifact: Sendable {
    /// Also the task name the tests give it.
    public let name: String
    /// The attack, in words.
    public let attack: String
    public let files: [String: [UInt8]]
    /// A fragment of the error message that names the problem.
    public let expected: String
}

public enum HostileArtifacts {
    /// Raw safetensors bytes: the 8-byte little-endian header length, `header`, then `data`.
    public static func safetensors(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
        let json = Array(header.utf8)
        let length = declaredLength ?? UInt64(json.count)
        return withUnsafeBytes(of: length.littleEndian) { Array($0) } + json + data
    }

    /// A NumPy format 1.0 file with header dictionary `dictionary` and raw `data`.
    public static func npy(dictionary: String, data: [UInt8] = []) -> [UInt8] {
        var header = dictionary
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let length = UInt16(header.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8) + data
    }

    /// A valid float32 `.npy` of shape (rows, columns) filled with `value`.
    public static func npy(rows: Int, columns: Int, value: Float = 0.5) -> [UInt8] {
        let data = (0..<(rows * columns)).flatMap { _ in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
        return npy(dictionary: "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(columns)), }", data: data)
    }

    /// `task.json` of fixture task `name` with `change` applied to its JSON object.
    static func manifest(_ tasks: URL, _ name: String, _ change: (inout [String: Any]) -> Void) throws -> [UInt8] {
        let data = try Data(contentsOf: tasks.appendingPathComponent("\(name)/task.json"))
        var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        change(&object)
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    static func file(_ tasks: URL, _ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: tasks.appendingPathComponent(path)))
    }

    /// Every attack.
    /// - Parameters:
    ///   - tasks: the fixture tasks directory (static-a, spe-a, peft-pt, t5x, album-a), d_model 16.
    ///   - maxPromptLength: the server's prompt-length limit the "long prompt" attack exceeds by one.
    public static func all(fixtureTasks tasks: URL, maxPromptLength: Int = 1024) throws -> [HostileArtifact] {
        let staticManifest = try file(tasks, "static-a/task.json")
        let staticPrompt = try file(tasks, "static-a/prompt.safetensors")
        let speTensors = try file(tasks, "spe-a/spe.safetensors")
        let peftWeights = try file(tasks, "peft-pt/adapter_model.safetensors")
        let outsideNpy = tasks.appendingPathComponent("t5x/prompt.npy").path  // a valid prompt, outside any upload
        let pathError = "promptFile must be the name of a file in the task's own folder"
        func t5x(_ promptFile: String) throws -> [String: [UInt8]] {
            ["task.json": Array(try JSONSerialization.data(withJSONObject: [
                "kind": "static", "promptFormat": "t5x", "promptFile": promptFile]))]
        }
        func spe(temperature: Double) throws -> [String: [UInt8]] {
            ["task.json": try manifest(tasks, "spe-a") { object in
                var settings = object["spe"] as? [String: Any] ?? [:]
                settings["temperature"] = temperature
                object["spe"] = settings
            }, "spe.safetensors": speTensors]
        }
        /// An ensemble task of static-a's template and labels over `members` (file names), with `change` applied.
        func ensemble(_ members: [String], combine: String = "vote",
                      _ change: (inout [String: Any]) -> Void = { _ in }) throws -> [UInt8] {
            try manifest(tasks, "static-a") { object in
                object["kind"] = "ensemble"
                object["ensemble"] = ["combine": combine, "members": members.map { ["file": $0] }]
                change(&object)
            }
        }
        let ensemblePathError = "must be the name of a .safetensors or .npy file in the task's own folder"
        let peftConfig = Array(#"{"peft_type": "PROMPT_TUNING", "task_type": "SEQ_2_SEQ_LM", "num_virtual_tokens": 4611686018427387904, "num_transformer_submodules": 2, "token_dim": 16}"#.utf8)
        let longPrompt = SafeTensorsFileBytes.f32(name: "prompt", shape: [maxPromptLength + 1, 16])
        return [
            HostileArtifact(
                name: "overflow-safetensors", attack: "safetensors shape [2^32, 2^32, 16]",
                files: ["task.json": staticManifest, "prompt.safetensors": safetensors(
                    header: #"{"prompt": {"dtype": "F32", "shape": [4294967296, 4294967296, 16], "data_offsets": [0, 16]}}"#,
                    data: Array(repeating: 0, count: 16))],
                expected: "too large to address"),
            HostileArtifact(
                name: "overflow-header-length", attack: "safetensors header length 2^64 - 1",
                files: ["task.json": staticManifest, "prompt.safetensors": safetensors(header: "{}", declaredLength: .max)],
                expected: "header length 18446744073709551615 exceeds file size"),
            HostileArtifact(
                name: "overflow-npy", attack: ".npy of shape (2^62, 4)",
                files: ["prompt.npy": npy(dictionary: "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }",
                                          data: Array(repeating: 0, count: 64))],
                expected: "is too large"),
            HostileArtifact(
                name: "overflow-peft", attack: "PEFT num_virtual_tokens 2^62",
                files: ["adapter_config.json": peftConfig, "adapter_model.safetensors": peftWeights],
                expected: "4611686018427387904 prompt rows exceed the server's limit"),
            HostileArtifact(
                name: "zero-album", attack: "album prompts of shape [1, 0, 16]",
                files: ["task.json": Array(#"{"kind": "album", "album": {"hash": "sha256:00", "entries": [{"sourceTask": "x"}]}}"#.utf8),
                        "album.safetensors": safetensors(header: #"{"prompts": {"dtype": "F32", "shape": [1, 0, 16], "data_offsets": [0, 0]}}"#)],
                expected: "zero-sized dimension in shape [1, 0, 16]"),
            HostileArtifact(
                name: "zero-npy", attack: ".npy of shape (0, 16)",
                files: ["prompt.npy": npy(dictionary: "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 16), }")],
                expected: "zero-sized dimension"),
            HostileArtifact(
                name: "vanishing-temperature", attack: "spe.temperature 1e-300 (0 as a Float)",
                files: try spe(temperature: 1e-300), expected: "is not a positive normal 32-bit float"),
            HostileArtifact(
                name: "overflowing-scores", attack: "spe.temperature 1e-37 (keys folded with 1/T overflow)",
                files: try spe(temperature: 1e-37), expected: "SPE"),
            HostileArtifact(
                name: "path-shadow", attack: "promptFile ../../../../etc/shadow",
                files: try t5x("../../../../etc/shadow"), expected: pathError),
            HostileArtifact(
                name: "path-missing", attack: "promptFile ../../../../no/such/file.npy",
                files: try t5x("../../../../no/such/file.npy"), expected: pathError),
            HostileArtifact(
                name: "path-outside-valid", attack: "promptFile naming a valid .npy outside the task folder",
                files: try t5x(outsideNpy), expected: pathError),
            HostileArtifact(
                name: "fractional-dimension", attack: "safetensors shape [1.5, 16]",
                files: ["task.json": staticManifest, "prompt.safetensors": safetensors(
                    header: #"{"prompt": {"dtype": "F32", "shape": [1.5, 16], "data_offsets": [0, 64]}}"#,
                    data: Array(repeating: 0, count: 64))],
                expected: "not a non-negative integer"),
            HostileArtifact(
                name: "boolean-dimension", attack: "safetensors shape [true, 16]",
                files: ["task.json": staticManifest, "prompt.safetensors": safetensors(
                    header: #"{"prompt": {"dtype": "F32", "shape": [true, 16], "data_offsets": [0, 64]}}"#,
                    data: Array(repeating: 0, count: 64))],
                expected: "not a non-negative integer"),
            HostileArtifact(
                name: "fractional-manifest", attack: "task.json promptLength 8.5",
                files: ["task.json": try manifest(tasks, "static-a") { $0["promptLength"] = 8.5 }, "prompt.safetensors": staticPrompt],
                expected: "'promptLength' must be an integer"),
            HostileArtifact(
                name: "long-prompt", attack: "static prompt of \(maxPromptLength + 1) rows",
                files: ["task.json": try manifest(tasks, "static-a") { $0["promptLength"] = nil }, "prompt.safetensors": longPrompt],
                expected: "prompt rows exceed the server's limit of \(maxPromptLength)"),
            HostileArtifact(
                name: "huge-max-new-tokens", attack: "decoding.maxNewTokens 1000000",
                files: ["task.json": try manifest(tasks, "static-a") { $0["decoding"] = ["mode": "rank", "maxNewTokens": 1_000_000] },
                        "prompt.safetensors": staticPrompt],
                expected: "decoding.maxNewTokens 1000000 exceeds the server's limit"),
            HostileArtifact(
                name: "huge-max-input-tokens", attack: "maxInputTokens 100000",
                files: ["task.json": try manifest(tasks, "static-a") { $0["maxInputTokens"] = 100_000 }, "prompt.safetensors": staticPrompt],
                expected: "maxInputTokens 100000 exceeds the server's limit"),
            HostileArtifact(
                name: "many-labels", attack: "10000 labels (each one scored per request)",
                files: ["task.json": try manifest(tasks, "static-a") { $0["labels"] = (0..<10_000).map { "label\($0)" } },
                        "prompt.safetensors": staticPrompt],
                expected: "10000 labels exceed the server's limit of 64"),
            HostileArtifact(
                name: "ensemble-one-member", attack: "ensemble of 1 prompt",
                files: ["task.json": try ensemble(["a.safetensors"]), "a.safetensors": staticPrompt],
                expected: "an ensemble needs at least 2"),
            HostileArtifact(
                name: "ensemble-many-members", attack: "ensemble of 1000 prompts (K encoder rows per request)",
                files: ["task.json": try ensemble((0..<1000).map { "m\($0).safetensors" })],
                expected: "1000 prompts, more than the server's limit of 16"),
            HostileArtifact(
                name: "ensemble-path", attack: "ensemble member ../../../../etc/shadow.npy",
                files: ["task.json": try ensemble(["a.safetensors", "../../../../etc/shadow.npy"]), "a.safetensors": staticPrompt],
                expected: ensemblePathError),
            HostileArtifact(
                name: "ensemble-outside-valid", attack: "ensemble member naming a valid .npy outside the task folder",
                files: ["task.json": try ensemble(["a.safetensors", outsideNpy]), "a.safetensors": staticPrompt],
                expected: ensemblePathError),
            HostileArtifact(
                name: "ensemble-duplicate", attack: "ensemble listing one file twice",
                files: ["task.json": try ensemble(["a.safetensors", "a.safetensors"]), "a.safetensors": staticPrompt],
                expected: "is listed twice"),
            HostileArtifact(
                name: "ensemble-length-mismatch", attack: "ensemble members of 3 and 4 prompt rows",
                files: ["task.json": try ensemble(["a.safetensors", "b.npy"]) { $0["promptLength"] = nil },
                        "a.safetensors": staticPrompt, "b.npy": npy(rows: 4, columns: 16)],
                expected: "has shape [4, 16], expected [3, 16]"),
            HostileArtifact(
                name: "ensemble-width", attack: "ensemble member of width 8 on a d_model 16 model",
                files: ["task.json": try ensemble(["a.safetensors", "b.npy"]), "a.safetensors": staticPrompt,
                        "b.npy": npy(rows: 3, columns: 8)],
                expected: "d_model=8 does not match the loaded model's d_model=16"),
            HostileArtifact(
                name: "ensemble-nan", attack: "ensemble member holding NaN",
                files: ["task.json": try ensemble(["a.safetensors", "b.npy"]), "a.safetensors": staticPrompt,
                        "b.npy": npy(rows: 3, columns: 16, value: .nan)],
                expected: "non-finite value"),
            HostileArtifact(
                name: "ensemble-overflow", attack: "ensemble member safetensors shape [2^32, 2^32, 16]",
                files: ["task.json": try ensemble(["a.safetensors", "b.safetensors"]), "a.safetensors": staticPrompt,
                        "b.safetensors": safetensors(
                            header: #"{"prompt": {"dtype": "F32", "shape": [4294967296, 4294967296, 16], "data_offsets": [0, 16]}}"#,
                            data: Array(repeating: 0, count: 16))],
                expected: "too large to address"),
            HostileArtifact(
                name: "ensemble-long-prompt", attack: "ensemble member of \(maxPromptLength + 1) rows",
                files: ["task.json": try ensemble(["a.safetensors", "b.safetensors"]) { $0["promptLength"] = nil },
                        "a.safetensors": staticPrompt, "b.safetensors": longPrompt],
                expected: "prompt rows exceed the server's limit of \(maxPromptLength)"),
            HostileArtifact(
                name: "ensemble-unknown-key", attack: "ensemble section with an unknown key",
                files: ["task.json": try ensemble(["a.safetensors", "b.safetensors"]) { object in
                    var section = object["ensemble"] as? [String: Any] ?? [:]
                    section["weights"] = [0.5, 0.5]
                    object["ensemble"] = section
                }, "a.safetensors": staticPrompt, "b.safetensors": staticPrompt],
                expected: "unknown key 'ensemble.weights'"),
            HostileArtifact(
                name: "ensemble-combine", attack: "ensemble combine 'average'",
                files: ["task.json": try ensemble(["a.safetensors", "b.safetensors"], combine: "average"),
                        "a.safetensors": staticPrompt, "b.safetensors": staticPrompt],
                expected: "ensemble.combine"),
            HostileArtifact(
                name: "ensemble-no-labels", attack: "ensemble without labels",
                files: ["task.json": try ensemble(["a.safetensors", "b.safetensors"]) { $0["labels"] = nil; $0["decoding"] = nil },
                        "a.safetensors": staticPrompt, "b.safetensors": staticPrompt],
                expected: "kind 'ensemble' needs labels"),
        ]
    }
}

/// Valid F32 safetensors bytes for tests (every value 0.25).
public enum SafeTensorsFileBytes {
    public static func f32(name: String, shape: [Int]) -> [UInt8] {
        let count = shape.reduce(1, *)
        let header = #"{"\#(name)": {"dtype": "F32", "shape": \#(shape), "data_offsets": [0, \#(count * 4)]}}"#
        let value = Float(0.25).bitPattern.littleEndian
        let data = (0..<count).flatMap { _ in withUnsafeBytes(of: value) { Array($0) } }
        return HostileArtifacts.safetensors(header: header, data: data)
    }
}
