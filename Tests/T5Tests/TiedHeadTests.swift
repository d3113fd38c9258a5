// The tied LM head computes from the shared embedding itself: its logits are scale · h · Eᵀ (naive twin, Double
// accumulation) through the row-dot kernel and through sgemm above its rows, and a change to the embedding shows in
// the head at once (no transposed copy to refresh). An untied head keeps its own weight.
import Foundation
import Kernels
import T5
import Testing
import TestSupport

@Suite struct TiedHeadTests {
    @Test func tiedHeadIsScaledEmbeddingProduct() throws {
        let model = try TinyModels.load("v10_relu_tied")
        #expect(!model.hasSeparateLMHead)
        let table = model.embeddingTable, (v, d) = (table.shape[0], table.shape[1])
        #expect(model.headScale == Float(pow(Double(d), -0.5)))
        var rng = SeededGenerator(state: 5)
        for rows in [1, 3, 17, TableProduct.kernelRows + 3] {
            let h = rng.floats(rows * d)
            let logits = Tensor(zeros: [rows, v])
            model.headLogits(h, rows: rows, into: logits.data)
            let expected = Naive.matmul(h, table.array, m: rows, n: v, k: d, transposedB: true).map { model.headScale * $0 }
            let report = Closeness("tied head, \(rows) rows", got: logits.array, expected: expected, maxAbs: 1e-5, nmse: 1e-9)
            #expect(report.passed, "\(report)")
        }
    }

    @Test func tiedHeadSeesTheEmbeddingWithoutRefresh() throws {
        let model = try TinyModels.load("v10_relu_tied")
        let table = model.embeddingTable, d = table.shape[1]
        let h = [Float](repeating: 1, count: d), before = Tensor(zeros: [1, table.shape[0]])
        model.headLogits(h, rows: 1, into: before.data)
        for k in 0..<d { table.data[7 * d + k] += 1 }  // vocabulary row 7 moves by 1 in every coordinate
        let after = Tensor(zeros: [1, table.shape[0]])
        model.headLogits(h, rows: 1, into: after.data)
        #expect(abs(after.data[7] - before.data[7] - model.headScale * Float(d)) < 1e-3)
        #expect(after.data[6] == before.data[6] && after.data[8] == before.data[8])
    }

    @Test func untiedHeadIsItsOwnWeight() throws {
        let model = try TinyModels.load("v11_gated_untied")
        #expect(model.hasSeparateLMHead)
        let table = model.embeddingTable, d = table.shape[1]
        let h = [Float](repeating: 0.5, count: d), before = Tensor(zeros: [1, table.shape[0]])
        model.headLogits(h, rows: 1, into: before.data)
        for k in 0..<d { table.data[3 * d + k] += 1 }
        let after = Tensor(zeros: [1, table.shape[0]])
        model.headLogits(h, rows: 1, into: after.data)
        #expect(after.array == before.array)
    }
}
