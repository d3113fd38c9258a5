// End-to-end parity with the float64 references through the real T5: PEFT's own log-likelihoods and greedy tokens for
// the PEFT imports, HF transformers on [P; E[x]] for the Album static prompt and the T5X import, and the independent
// PyTorch SPE reference (default and ATTEMPT mode), at the contract and the tight tolerance; goldens that vary between
// prompts; mixed-task batch invariance.
import Foundation
import Kernels
import T5
import Testing
import TestSupport
@testable import Prompts

@Suite struct ModelParityTests {
    static let model = try! T5Model.load(directory: PromptFixtures.modelDirectory)
    let snapshot = try! PromptFixtures.loadAll()

    func rows(_ cases: [PromptFixtures.Case]) -> [(task: LoadedTask, ids: [Int32])] {
        cases.map { (snapshot.task(named: $0.task)!, $0.input.map(Int32.init)) }
    }

    @Test func embeddingsAreTheCheckpointRows() throws {
        let ids = [0, 5, 63]
        #expect(try Self.model.embed(ids.map(Int32.init)).array == PromptFixtures.embed(ids).array)
    }

    /// Scores and greedy ids of `cases` run through `task(case)` in one batch, against the cases' references: the
    /// log-likelihood contract and the tight bound, and identical greedy ids.
    static func expectParity(_ cases: [PromptFixtures.Case], tasks task: (PromptFixtures.Case) -> LoadedTask,
                             sourceLocation: SourceLocation = #_sourceLocation) throws {
        let encoded = try encodeThroughPrompts(model, cases.map { (task($0), $0.input.map(Int32.init)) }).encoded
        let scores = try model.score(zip(encoded, cases).map { ($0, [$1.target.map(Int32.init)]) })
        let greedy = model.greedy(encoded, maxNewTokens: PromptFixtures.golden.greedyMaxNewTokens)
        for tolerance in [Tolerance.logLikelihoodContract, .logLikelihoodTight] {
            let report = Closeness("log-likelihoods of \(cases.map { "\($0.task) \($0.input)" })", got: scores.map { $0[0] },
                                   expected: cases.map(\.logLikelihood), maxAbs: tolerance.maxAbs, rel: tolerance.rel)
            #expect(report.passed, "\(report)", sourceLocation: sourceLocation)
        }
        for (index, golden) in cases.enumerated() {
            #expect(greedy[index].map(Int.init) == golden.greedy,
                    "\(golden.task) \(golden.input): greedy \(greedy[index]) vs \(golden.greedy)", sourceLocation: sourceLocation)
        }
    }

    @Test func logLikelihoodsAndGreedyMatchReferences() throws {
        let cases = PromptFixtures.golden.cases
        #expect(cases.count == 20)
        try Self.expectParity(cases) { snapshot.task(named: $0.task)! }
    }

    /// The goldens can fail: every greedy golden varies, and different prompts on the same input give different ids
    /// (a model that ignored its prompt would otherwise pass every greedy check).
    @Test func goldensAreSharp() {
        let golden = PromptFixtures.golden
        #expect(golden.referenceDType == "torch.float64" && golden.minDistinct >= 3)
        let all = golden.cases + golden.encodings
        for c in all {
            #expect(Set(c.greedy.filter { $0 > 1 }).count >= golden.minDistinct, "\(c.task) \(c.input): \(c.greedy)")
        }
        for input in Set(all.map(\.input)) {
            let outputs = all.filter { $0.input == input }
            #expect(outputs.count >= 3, "several prompts on \(input)")
            #expect(Set(outputs.map(\.greedy)).count == outputs.count,
                    "prompts on \(input) share an output: \(outputs.map { "\($0.task): \($0.greedy)" })")
        }
    }

    @Test func mixedTaskBatchGivesEachRowItsSoloResult() throws {
        // Static, PEFT import, T5X import and both SPE modes interleaved in one batch.
        let order = ["spe-a", "static-a", "peft-pt", "spe-attempt", "t5x", "spe-a", "peft-mpt", "peft-pt"]
        let cases = order.enumerated().map { i, task in
            PromptFixtures.golden.cases.filter { $0.task == task }[i % PromptFixtures.golden.cases.filter { $0.task == task }.count]
        }
        let batch = rows(cases)
        let encoded = try encodeThroughPrompts(Self.model, batch).encoded
        let batchScores = try Self.model.score(zip(encoded, cases).map { ($0, [$1.target.map(Int32.init)]) })
        let steps = PromptFixtures.golden.greedyMaxNewTokens
        let batchGreedy = Self.model.greedy(encoded, maxNewTokens: steps)
        for (index, row) in batch.enumerated() {
            let soloEncoded = try encodeThroughPrompts(Self.model, [row]).encoded
            let solo = try Self.model.score([(soloEncoded[0], [cases[index].target.map(Int32.init)])])[0][0]
            let relative = abs(batchScores[index][0] - solo) / abs(solo)
            #expect(relative <= 1e-6, "row \(index) (\(row.task.name)): batched \(batchScores[index][0]) vs solo \(solo) (rel \(relative), tol 1e-6)")
            #expect(batchGreedy[index] == Self.model.greedy(soloEncoded, maxNewTokens: steps)[0], "row \(index) (\(row.task.name)) greedy differs")
        }
    }
}
