// The batched SPE path (per-row sgemv for the bottleneck and keys, one streaming album product per group) against
// its naive twin SPEReference on random modules, ATTEMPT mode and not, and the promise the engine relies on: a row's
// prompt and weights are the same bits alone as inside any group.
import Kernels
import Testing
import TestSupport
@testable import Prompts

@Suite struct SPEFastPathTests {
    /// A random module: album (M, l, d), bottleneck r, non-trivial γ/β and temperature.
    static func module(m: Int, l: Int, d: Int, r: Int, attempt: Bool, seed: UInt64) -> SPEModule {
        var rng = SeededGenerator(state: seed)
        func tensor(_ shape: [Int], scale: Float = 1) -> Tensor {
            Tensor(shape: shape, values: rng.floats(shape.reduce(1, *), scale: scale))
        }
        let album = PromptAlbum.inMemory(name: "album", prompts: tensor([m, l, d]))
        let gamma = Tensor(shape: [d], values: rng.floats(d, scale: 0.5).map { 1 + $0 })
        return SPEModule(taskPrompt: tensor([l, d]), down: tensor([r, d], scale: 0.3), up: tensor([d, r], scale: 0.3),
                         gamma: gamma, beta: tensor([d], scale: 0.2), temperature: 1.7, layerNormEpsilon: 1e-5,
                         pooling: attempt ? .maxWithPad : .max, includeTaskInAttention: attempt, album: album,
                         padEmbedding: rng.floats(d), maxInputTokens: attempt ? 9 : nil)
    }

    /// Row inputs X_b (n_b, d) of varied lengths.
    static func inputs(d: Int, lengths: [Int], seed: UInt64) -> [Tensor] {
        var rng = SeededGenerator(state: seed)
        return lengths.map { Tensor(shape: [$0, d], values: rng.floats($0 * d)) }
    }

    // Shapes: odd and tiny (one thread), and album-sized (l·d·M large enough that the product splits over threads).
    @Test(arguments: [(3, 5, 37, 4), (8, 40, 512, 16)], [false, true])
    func groupMatchesNaiveTwin(shape: (Int, Int, Int, Int), attempt: Bool) {
        let (m, l, d, r) = shape
        let module = Self.module(m: m, l: l, d: d, r: r, attempt: attempt, seed: UInt64(d + (attempt ? 1 : 0)))
        #expect(module.candidateCount == m + (attempt ? 1 : 0))
        let xs = Self.inputs(d: d, lengths: [1, 4, 9, 2, 12, 3], seed: 7)
        let fast = module.instancePrompts(xs)
        #expect(fast.prompts.count == xs.count && fast.weights.count == xs.count)
        for (row, x) in xs.enumerated() {
            let naive = SPEReference.instancePrompt(module, input: x)
            #expect(fast.prompts[row].shape == [l, d])
            // The twin sums in Float over d (scores of size ~√d here): weights agree to 1e-5, as against the goldens.
            expectClose(fast.weights[row], naive.weights, atol: 1e-5, "row \(row) weights (M \(m), d \(d), ATTEMPT \(attempt))")
            expectClose(fast.prompts[row].array, naive.prompt.array, atol: 1e-5, rtol: 1e-6,
                        "row \(row) prompt (M \(m), d \(d), ATTEMPT \(attempt))")
        }
        // Rows differ from one another (the attention depends on the input), so the comparison above is per row.
        #expect(fast.weights[0] != fast.weights[1])
    }

    @Test(arguments: [false, true])
    func rowInsideAGroupEqualsTheRowAlone(attempt: Bool) {
        let module = Self.module(m: 8, l: 40, d: 512, r: 16, attempt: attempt, seed: 42)
        let xs = Self.inputs(d: 512, lengths: [5, 1, 9, 30, 2, 7, 3], seed: 11)
        let group = module.instancePrompts(xs)
        for (row, x) in xs.enumerated() {
            let alone = module.instancePrompts([x])
            #expect(group.weights[row] == alone.weights[0], "row \(row) weights differ inside the group")
            #expect(group.prompts[row].array == alone.prompts[0].array, "row \(row) prompt differs inside the group")
        }
        // And through PromptBuilder, interleaved with another task's rows.
        let task = LoadedTask.inMemory(name: "spe", prompt: .spe(module))
        let other = LoadedTask.inMemory(name: "static", prompt: .fixed(Tensor(zeros: [40, 512])))
        let rows = xs.enumerated().flatMap { index, x in
            [PromptRow(task: task, input: x)] + (index % 2 == 0 ? [PromptRow(task: other, input: x)] : [])
        }
        let built = PromptBuilder.prompts(for: rows).enumerated().filter { rows[$0.offset].task === task }.map(\.element)
        #expect(built.count == xs.count)
        for (row, result) in built.enumerated() {
            #expect(result.prompt.array == group.prompts[row].array)
            #expect(result.albumWeights == group.weights[row])
        }
    }
}
