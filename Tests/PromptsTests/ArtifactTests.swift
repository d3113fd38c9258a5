// Loading every fixture artifact kind and comparing its prompt with the golden prompt PEFT / the PyTorch SPE
// reference produced (Tests/Fixtures/make_prompt_fixtures.py).
import Foundation
import Kernels
import Testing
@testable import Prompts

@Suite struct ArtifactTests {
    let snapshot = try! PromptFixtures.loadAll()

    @Test func fingerprintMatchesPython() {
        #expect(PromptFixtures.model.fingerprint == PromptFixtures.golden.fingerprint)
        #expect(PromptFixtures.model.dModel == PromptFixtures.golden.dModel)
    }

    @Test func everyFixtureLoadsWithoutIssues() async throws {
        let registry = try TaskRegistry(directory: PromptFixtures.tasksDirectory, model: PromptFixtures.model)
        let issues = registry.issues
        #expect(issues.isEmpty, "\(issues)")
        #expect(snapshot.taskNames == ["peft-mpt", "peft-pt", "spe-a", "spe-attempt", "static-a", "t5x"])
        #expect(snapshot.albums.keys.sorted() == ["album-a"])
        #expect(snapshot.albums["album-a"]!.hash == PromptFixtures.golden.albumHash)
    }

    @Test func sourcesAndManifestFacts() throws {
        #expect(snapshot.task(named: "peft-pt")!.source == "peft:PROMPT_TUNING")
        #expect(snapshot.task(named: "peft-mpt")!.source == "peft:MULTITASK_PROMPT_TUNING")
        #expect(snapshot.task(named: "t5x")!.source == "t5x")
        let rte = try #require(snapshot.task(named: "static-a"))
        #expect(rte.source == "album" && rte.kind == .staticPrompt && rte.version == 0)
        #expect(rte.labels == ["entailment", "not_entailment"])
        #expect(rte.decoding == DecodingDefaults(mode: .rank, maxNewTokens: 4))
        #expect(rte.maxInputTokens == 32)
        #expect(try rte.formatInput(text: nil, fields: ["premise": "p", "hypothesis": "h"]) == "premise: p hypothesis: h")
        #expect(rte.warnings.isEmpty)
        #expect(snapshot.task(named: "peft-pt")!.warnings.count == 1, "an import without fingerprint is flagged")
        #expect(throws: PromptsError.inputTooLong(task: "static-a", tokens: 33, limit: 32)) { try rte.checkInputLength(33) }
    }

    @Test(arguments: ["peft-pt", "peft-mpt", "t5x", "static-a"])
    func staticPromptsMatchGolden(task name: String) throws {
        let task = try #require(snapshot.task(named: name))
        guard case .fixed(let prompt) = task.prompt else { Issue.record("\(name) is not static"); return }
        let golden = try #require(PromptFixtures.golden.cases.first { $0.task == name })
        #expect(prompt.shape == golden.promptShape)
        // PEFT's MPT prompt is a product computed in a different order: 1e-6 relative; the rest are copies: exact.
        expectClose(prompt.array, golden.prompt, atol: 0, rtol: name == "peft-mpt" ? 1e-6 : 0, name)
    }

    @Test(arguments: ["spe-a", "spe-attempt"])
    func spePromptsAndWeightsMatchReference(task name: String) throws {
        let task = try #require(snapshot.task(named: name))
        let cases = PromptFixtures.golden.cases.filter { $0.task == name }
        #expect(cases.count == 4)
        // All rows in one group: the batched path must give each row its own reference result.
        let rows = cases.map { PromptRow(task: task, input: PromptFixtures.embed($0.input)) }
        let results = PromptBuilder.prompts(for: rows)
        for (result, golden) in zip(results, cases) {
            expectClose(try #require(result.albumWeights), try #require(golden.weights), atol: 1e-5, "\(name) weights for \(golden.input)")
            expectClose(result.prompt.array, golden.prompt, atol: 1e-5, rtol: 1e-5, "\(name) prompt for \(golden.input)")
        }
    }

    @Test(arguments: ["spe-a", "spe-attempt"])
    func fusedSPEMatchesNaiveTwin(task name: String) throws {
        guard case .spe(let module) = try #require(snapshot.task(named: name)).prompt else { Issue.record("not SPE"); return }
        for golden in PromptFixtures.golden.cases where golden.task == name {
            let x = PromptFixtures.embed(golden.input)
            let fast = module.instancePrompts([x])
            let naive = SPEReference.instancePrompt(module, input: x)
            expectClose(fast.weights[0], naive.weights, atol: 1e-6, "\(name) fused vs naive weights")
            expectClose(fast.prompts[0].array, naive.prompt.array, atol: 1e-5, rtol: 1e-6, "\(name) fused vs naive prompt")
        }
    }

    @Test func speSharesTheAlbum() throws {
        guard case .spe(let a) = snapshot.task(named: "spe-a")!.prompt,
              case .spe(let b) = snapshot.task(named: "spe-attempt")!.prompt else { Issue.record("not SPE"); return }
        #expect(a.album === b.album && a.album === snapshot.albums["album-a"]!)
        #expect(a.candidateCount == 4 && b.candidateCount == 5)
        // Per-task memory is the task's own tensors: l·d + 2·d·r + 2·d + folded keys, never the album.
        #expect(snapshot.task(named: "spe-a")!.ownedBytes == (5 * 16 + 2 * 16 * 6 + 2 * 16 + 4 * 16) * 4)
    }

    @Test func mixedBatchGivesEachRowItsSoloResult() throws {
        let names = ["spe-a", "static-a", "peft-pt", "spe-attempt", "spe-a", "t5x", "peft-mpt", "spe-attempt"]
        let inputs = [[5, 9, 17, 3, 1], [22, 1], [12, 30, 7, 1], [40, 41, 42, 43, 44, 45, 46, 47, 48, 1], [22, 1], [3, 1], [8, 8, 1], [5, 1]]
        let rows = zip(names, inputs).map { PromptRow(task: snapshot.task(named: $0)!, input: PromptFixtures.embed($1)) }
        let batched = PromptBuilder.prompts(for: rows)
        for (row, result) in zip(rows, batched) {
            let solo = PromptBuilder.prompts(for: [row])[0]
            #expect(result.prompt.shape == [row.task.promptLength, 16])
            #expect(result.prompt.array == solo.prompt.array, "row of \(row.task.name) differs from its solo result")
            #expect(result.albumWeights == solo.albumWeights)
        }
    }

    @Test func peftExportRoundTrips() throws {
        guard case .fixed(let prompt) = snapshot.task(named: "static-a")!.prompt else { Issue.record("not static"); return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("album-export-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try PEFTExport.write(prompt: prompt, baseModelNameOrPath: "tiny", to: dir)
        let config = try PEFTAdapterConfig(url: dir.appendingPathComponent("adapter_config.json"))
        #expect(config.peftType == .promptTuning && config.numVirtualTokens == 3 && config.tokenDim == 16 && config.numTransformerSubmodules == 1)
        let loaded = try ArtifactLoader.load(directory: dir, name: "exported", version: 0, model: PromptFixtures.model, albums: [:])
        guard case .task(let task) = loaded, case .fixed(let back) = task.prompt else { Issue.record("export did not load"); return }
        #expect(back.array == prompt.array)
    }
}
