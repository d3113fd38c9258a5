// Prompt files in every encoding Album reads (T5X .npy '<f2', NumPy format 2.0 and 3.0, F16 and BF16 safetensors
// written by torch) load to the values numpy / torch widen them to and give PEFT/HF's float64 log-likelihoods; and the
// PEFT adapter Album exports is byte-stable and scores what PEFT itself scored after `PeftModel.from_pretrained`
// (goldens from Tests/Fixtures/make_prompt_fixtures.py).
import Foundation
import Kernels
import SafeTensors
import Testing
import TestSupport
@testable import Prompts

@Suite struct EncodingAndExportTests {
    static let encodings = ["t5x-f16", "t5x-npy-v2", "t5x-npy-v3", "static-f16", "static-bf16"]

    func load(_ directory: URL, name: String) throws -> LoadedTask {
        let loaded = try ArtifactLoader.load(directory: directory, name: name, version: 0, model: PromptFixtures.model,
                                             albums: [:])
        guard case .task(let task) = loaded else { throw PromptsError.unknownTask(name) }
        return task
    }

    /// The header facts that make each file the encoding its name says (so a fixture change cannot quietly turn
    /// every case into plain float32 version 1.0).
    @Test func filesAreInTheirEncodings() throws {
        func npyHeader(_ name: String) throws -> (major: UInt8, text: String) {
            let bytes = [UInt8](try Data(contentsOf: PromptFixtures.encodingsDirectory.appendingPathComponent("\(name)/prompt.npy")))
            return (bytes[6], String(decoding: bytes.prefix(128), as: UTF8.self))
        }
        #expect(try npyHeader("t5x-f16").major == 1 && npyHeader("t5x-f16").text.contains("'descr': '<f2'"))
        #expect(try npyHeader("t5x-npy-v2").major == 2 && npyHeader("t5x-npy-v2").text.contains("'descr': '<f4'"))
        #expect(try npyHeader("t5x-npy-v3").major == 3 && npyHeader("t5x-npy-v3").text.contains("'descr': '<f4'"))
        for (name, dtype) in [("static-f16", "F16"), ("static-bf16", "BF16")] {
            let file = try SafeTensorsFile(url: PromptFixtures.encodingsDirectory.appendingPathComponent("\(name)/prompt.safetensors"))
            #expect(file.tensors["prompt"]?.dtype.rawValue == dtype, "\(name)")
        }
    }

    @Test(arguments: encodings)
    func encodedPromptsLoadAndScore(name: String) throws {
        let golden = try #require(PromptFixtures.golden.encodings.first { $0.task == name })
        let task = try load(PromptFixtures.encodingsDirectory.appendingPathComponent(name), name: name)
        #expect(task.source == (name.hasPrefix("t5x") ? "t5x" : "album"))
        guard case .fixed(let prompt) = task.prompt else { Issue.record("\(name) is not a static prompt"); return }
        #expect(prompt.shape == golden.promptShape)
        // Widening F16 / BF16 to F32 is exact: tolerance 0.
        expectClose(prompt.array, golden.prompt, atol: 0, name)
        try ModelParityTests.expectParity([golden]) { _ in task }
    }

    /// Album's export of static-a equals the committed export that PEFT loaded: same tensor bytes, same config.
    @Test func exportIsTheAdapterPEFTLoaded() throws {
        let snapshot = try PromptFixtures.loadAll()
        guard case .fixed(let prompt) = try #require(snapshot.task(named: "static-a")).prompt else {
            Issue.record("static-a is not static"); return
        }
        let directory = try Fixtures.temporaryDirectory("album-export")
        defer { try? FileManager.default.removeItem(at: directory) }
        try PEFTExport.write(prompt: prompt, baseModelNameOrPath: nil, to: directory)  // what `album tasks export` runs
        let committed = PromptFixtures.peftExportDirectory
        let weights = PEFTAdapterConfig.weightsName, config = PEFTAdapterConfig.fileName
        #expect(try Data(contentsOf: directory.appendingPathComponent(weights)) == Data(contentsOf: committed.appendingPathComponent(weights)),
                "adapter_model.safetensors differs from the committed export")
        let fresh = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent(config))) as? NSDictionary
        let old = try JSONSerialization.jsonObject(with: Data(contentsOf: committed.appendingPathComponent(config))) as? NSDictionary
        #expect(fresh != nil && fresh == old, "adapter_config.json differs from the committed export")
    }

    /// PEFT's log-likelihoods and greedy ids on Album's export, against Album serving the same export.
    @Test func exportScoresWhatPEFTScored() throws {
        let cases = PromptFixtures.golden.peftExport
        #expect(cases.count == 4 && cases.allSatisfy { $0.task == "peft-export" })
        let task = try load(PromptFixtures.peftExportDirectory, name: "peft-export")
        #expect(task.source == "peft:PROMPT_TUNING")
        guard case .fixed(let prompt) = task.prompt else { Issue.record("not static"); return }
        expectClose(prompt.array, try #require(cases.first).prompt, atol: 0, "exported prompt rows")
        try ModelParityTests.expectParity(cases) { _ in task }
        // The export is static-a: PEFT's results on it equal HF's on [P; E[x]] for static-a.
        for c in cases {
            let direct = try #require(PromptFixtures.golden.cases.first { $0.task == "static-a" && $0.input == c.input })
            #expect(abs(c.logLikelihood - direct.logLikelihood) <= 1e-9 * abs(direct.logLikelihood) && c.greedy == direct.greedy,
                    "PEFT on the export vs HF on static-a, input \(c.input)")
        }
    }
}
