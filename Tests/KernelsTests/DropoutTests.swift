// Dropout with the counter-based Philox4x32-10 stream: the generator against Random123's known-answer vectors
// (both the C kernel and the naive twin), the kernel against the naive twin (bit-exact), independence from how the
// work is split, the keep rate, p = 0 / p = 1, and backward regenerating the forward's mask.
import CKernels
import Kernels
import Testing
import TestSupport

@Suite struct DropoutTests {
    /// Random123 kat_vectors, philox4x32_10: (counter, key, expected).
    static let knownAnswers: [([UInt32], [UInt32], [UInt32])] = [
        ([0, 0, 0, 0], [0, 0], [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]),
        ([0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff], [0xffff_ffff, 0xffff_ffff],
         [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]),
        ([0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344], [0xa409_3822, 0x299f_31d0],
         [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]),
    ]

    @Test func philoxMatchesKnownAnswers() {
        for (counter, key, expected) in Self.knownAnswers {
            #expect(Naive.philox4x32(counter, key: key) == expected, "naive Philox of \(counter)")
            var c = counter
            album_philox4x32_10(&c, key[0], key[1])
            #expect(c == expected, "C Philox of \(counter)")
        }
    }

    @Test(arguments: [0.1, 0.5, 0.9])
    func forwardMatchesNaiveBitExactAndSplitsFreely(p: Double) {
        var rng = Rng(state: 8)
        let count = 2049, key = DropoutKey(seed: 0x1234_5678_9ABC, step: 42, layer: 7)
        let x = rng.floats(count), input = Tensor(shape: [count], values: x)
        let whole = Tensor(zeros: [count])
        dropoutForward(out: whole.data, inp: input.data, count: count, probability: p, key: key)
        #expect(whole.array == Naive.dropout(x, probability: p, key: key), "kernel vs naive twin, bit-exact")
        // Any split into parts at any offsets (as threads would do) reproduces the same values.
        let parts = Tensor(zeros: [count])
        for (start, end) in [(0, 3), (3, 1000), (1000, 1001), (1001, count)] {
            dropoutForward(out: parts.data + start, inp: input.data + start, count: end - start, probability: p, key: key,
                           offset: start)
        }
        #expect(parts.array == whole.array)
        // A key's firstElement shifts the stream exactly as an offset does (how a shard of a batch draws its part).
        let shifted = Tensor(zeros: [count - 100]), tail = Tensor(zeros: [count - 100])
        var shiftedKey = key
        shiftedKey.firstElement = 100
        dropoutForward(out: shifted.data, inp: input.data + 100, count: count - 100, probability: p, key: shiftedKey)
        dropoutForward(out: tail.data, inp: input.data + 100, count: count - 100, probability: p, key: key, offset: 100)
        #expect(shifted.array == tail.array)
        #expect(shifted.array == Array(whole.array[100...]))
        // Kept values are x / (1 − p) exactly as torch computes the factor; dropped are 0.
        let scale = 1 / Float(1 - p)
        #expect((0..<count).allSatisfy { whole.data[$0] == 0 || whole.data[$0] == x[$0] * scale })
    }

    @Test func keepRateStreamsAndEdgeProbabilities() {
        let count = 200_000, ones = Tensor(shape: [count], values: [Float](repeating: 1, count: count))
        let out = Tensor(zeros: [count])
        let key = DropoutKey(seed: 1, step: 0, layer: 0)
        dropoutForward(out: out.data, inp: ones.data, count: count, probability: 0.1, key: key)
        let kept = out.array.filter { $0 != 0 }.count
        // Binomial(200000, 0.9): standard deviation ≈ 134; allow 5 sigma.
        #expect(abs(kept - 180_000) < 700, "kept \(kept) of \(count) at p = 0.1")
        // Another step or layer draws another mask.
        let other = Tensor(zeros: [count])
        dropoutForward(out: other.data, inp: ones.data, count: count, probability: 0.1, key: DropoutKey(seed: 1, step: 1, layer: 0))
        #expect(other.array != out.array)
        dropoutForward(out: other.data, inp: ones.data, count: count, probability: 0.1, key: DropoutKey(seed: 1, step: 0, layer: 1))
        #expect(other.array != out.array)
        // p = 0 copies, p = 1 zeroes (torch).
        dropoutForward(out: other.data, inp: ones.data, count: count, probability: 0, key: key)
        #expect(other.array == ones.array)
        dropoutForward(out: other.data, inp: ones.data, count: count, probability: 1, key: key)
        #expect(other.array.allSatisfy { $0 == 0 })
    }

    @Test func backwardAccumulatesThroughTheForwardMask() {
        var rng = Rng(state: 9)
        let count = 333, p = 0.25, key = DropoutKey(seed: 77, step: 3, layer: 12)
        let dy = rng.floats(count), prior = rng.floats(count)
        let dOut = Tensor(shape: [count], values: dy), dx = Tensor(shape: [count], values: prior)
        dropoutBackward(dInp: dx.data, dOut: dOut.data, count: count, probability: p, key: key)
        let masked = Naive.dropout(dy, probability: p, key: key)
        #expect(dx.array == zip(prior, masked).map(+))
        // In place forward (out aliases inp) gives the forward values too.
        let inPlace = Tensor(shape: [count], values: dy)
        dropoutForward(out: inPlace.data, inp: inPlace.data, count: count, probability: p, key: key)
        #expect(inPlace.array == masked)
    }
}
