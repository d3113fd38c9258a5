// End-to-end parity with the references through the real T5: PEFT's own log-likelihoods and greedy tokens for the
// PEFT imports, HF transformers on [P; E[x]] for the Album static prompt and the T5X import, and the independent
// PyTorch SPE reference (default and ATTEMPT mode); plus mixed-task batch invariance.
import Foundation
import Kernels
import T5
import Testing
@testable import Prompts

@Suite struct ModelParityTests {
    static let model = try! T5Model.load(directory: PromptFixtures.modelDirectory)
    let snapshot = try! PromptFixtures.loadAll()

    func rows(_ cases: [PromptFixtures.Case]) throws -> [PromptRow] {
        try cases.map { PromptRow(task: snapshot.task(named: $0.task)!, input: try Self.model.embed($0.input.map(Int32.init))) }
    }

    @Test func embeddingsAreTheCheckpointRows() throws {
        let ids = [0, 5, 63]
        #expect(try Self.model.embed(ids.map(Int32.init)).array == PromptFixtures.embed(ids).array)
    }

    @Test func logLikelihoodsAndGreedyMatchReferences() throws {
        let cases = PromptFixtures.golden.cases
        let inputs = PromptBuilder.build(try rows(cases))
        let encoded = Self.model.encode(inputs.map(\.encoderInput))
        let scores = try Self.model.score(zip(encoded, cases).map { ($0, [$1.target.map(Int32.init)]) })
        let greedy = Self.model.greedy(encoded, maxNewTokens: 5)
        for (index, golden) in cases.enumerated() {
            let got = scores[index][0]
            let relative = abs(got - golden.logLikelihood) / abs(golden.logLikelihood)
            #expect(relative <= 1e-4, "\(golden.task) \(golden.input): log-likelihood \(got) vs reference \(golden.logLikelihood) (rel \(relative), tol 1e-4)")
            #expect(greedy[index].map(Int.init) == golden.greedy, "\(golden.task) \(golden.input): greedy \(greedy[index]) vs \(golden.greedy)")
        }
    }

    @Test func mixedTaskBatchGivesEachRowItsSoloResult() throws {
        // Static, PEFT import, T5X import and both SPE modes interleaved in one batch.
        let order = ["spe-a", "static-a", "peft-pt", "spe-attempt", "t5x", "spe-a", "peft-mpt", "peft-pt"]
        let cases = order.enumerated().map { i, task in
            PromptFixtures.golden.cases.filter { $0.task == task }[i % PromptFixtures.golden.cases.filter { $0.task == task }.count]
        }
        let batch = try rows(cases)
        let encoded = Self.model.encode(PromptBuilder.build(batch).map(\.encoderInput))
        let batchScores = try Self.model.score(zip(encoded, cases).map { ($0, [$1.target.map(Int32.init)]) })
        let batchGreedy = Self.model.greedy(encoded, maxNewTokens: 5)
        for (index, row) in batch.enumerated() {
            let soloEncoded = Self.model.encode(PromptBuilder.build([row]).map(\.encoderInput))
            let solo = try Self.model.score([(soloEncoded[0], [cases[index].target.map(Int32.init)])])[0][0]
            let relative = abs(batchScores[index][0] - solo) / abs(solo)
            #expect(relative <= 1e-6, "row \(index) (\(row.task.name)): batched \(batchScores[index][0]) vs solo \(solo) (rel \(relative), tol 1e-6)")
            #expect(batchGreedy[index] == Self.model.greedy(soloEncoded, maxNewTokens: 5)[0], "row \(index) (\(row.task.name)) greedy differs")
        }
    }
}
