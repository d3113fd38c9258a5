// int8 and bf16 linear kernels against their naive twins: oneDNN's u8·s8 product equals the exact int32 reference;
// every quantize/dequantize and bf16 small-M variant gives the portable variant's bits; Int8Weight / BF16Weight
// products equal the fp32 product of their dequantized/widened operands, are independent of the thread split and of
// the other rows, and stay close to the unquantized fp32 product.
import CKernels
import Kernels
import Testing
import TestSupport

@Suite struct QuantizedKernelTests {
    static let shapes: [(m: Int, k: Int, n: Int)] = [
        (1, 64, 64), (2, 33, 65), (3, 512, 192), (5, 100, 77), (17, 128, 130), (40, 96, 256), (64, 512, 384),
    ]

    static let variants: [album_smallm_isa] = [ALBUM_SMALLM_PORTABLE, ALBUM_SMALLM_AVX2, ALBUM_SMALLM_AVX512]

    @Test func oneDNNProductEqualsTheExactReference() {
        var rng = Rng(state: 11)
        // Activation codes as this CPU's kernels make them (1...2A+1), 8-bit weights.
        let activationCodes = UInt64(2 * Int8Weight.defaultActivationMaxCode + 1)
        for (m, k, n) in Self.shapes {
            let a = (0..<m * k).map { _ in UInt8(1 + rng.next() % activationCodes) }
            let b = (0..<k * n).map { _ in Int8(Int64(rng.next() % 255) - 127) }
            var fast = [Int32](repeating: 0, count: m * n), naive = fast
            let status = album_int8_gemm(m, n, k, a, k, b, n, &fast, n)
            album_int8_gemm_reference(m, n, k, a, k, b, n, &naive, n)
            #expect(status == 0, "oneDNN status \(status) for \(m)x\(k)x\(n)")
            #expect(fast == naive, "\(m)x\(k)x\(n): oneDNN differs from the exact product")
        }
    }

    @Test(arguments: [127, 63])
    func quantizeVariantsGiveThePortableBits(maxCode: Int) {
        var rng = Rng(state: 12)
        let (rows, k) = (6, 131)
        let top = 2 * maxCode + 1
        var x = rng.floats(rows * k, scale: 3)
        for p in 0..<k { x[2 * k + p] = 0 }  // an all-zero row: codes 0, zero point 0, scale 0
        x[3 * k + 7] = 0.5 * 3 / 127 * 127  // exact ties exercise round-half-even
        for p in 0..<k { x[5 * k + p] = abs(x[5 * k + p]) }  // a ReLU output: zero point 0, every code used
        var portableCodes = [UInt8](repeating: 0, count: rows * k), portableScales = [Float](repeating: 0, count: rows)
        var portableZeros = [Int32](repeating: -1, count: rows)
        #expect(album_quantize_rows_u8_using(ALBUM_SMALLM_PORTABLE, x, rows, k, k, Int32(maxCode), &portableCodes,
                                             &portableScales, &portableZeros) == 1)
        #expect(portableScales[2] == 0 && portableZeros[2] == 0 && portableCodes[(2 * k)..<(3 * k)].allSatisfy { $0 == 0 })
        for row in [0, 1, 3, 4, 5] {
            let values = x[(row * k)..<((row + 1) * k)]
            let lo = min(0, values.min()!), hi = max(0, values.max()!)
            #expect(portableScales[row] == (hi - lo) / Float(top))
            let codes = portableCodes[(row * k)..<((row + 1) * k)]
            #expect(codes.contains(0) || portableZeros[row] == 0, "row \(row): the minimum takes code 0")
            #expect(codes.contains(UInt8(top)), "row \(row) uses the full range")
            #expect(codes.allSatisfy { Int($0) <= top } && (0...Int32(top)).contains(portableZeros[row]))
            // Each value is within half a step of its code.
            for (p, value) in values.enumerated() {
                let back = Float(Int32(codes[row * k + p]) - portableZeros[row]) * portableScales[row]
                #expect(abs(back - value) <= 0.5001 * portableScales[row], "row \(row) column \(p)")
            }
        }
        #expect(portableZeros[5] == 0, "a non-negative row needs no negative codes")
        for variant in Self.variants.dropFirst() where album_smallm_bw_supports(variant) != 0 {
            var codes = [UInt8](repeating: 0, count: rows * k), scales = [Float](repeating: 0, count: rows)
            var zeros = [Int32](repeating: -1, count: rows)
            #expect(album_quantize_rows_u8_using(variant, x, rows, k, k, Int32(maxCode), &codes, &scales, &zeros) == 1)
            #expect(codes == portableCodes && scales == portableScales && zeros == portableZeros,
                    "quantize variant \(variant.rawValue)")
        }
        var unused = [UInt8](repeating: 0, count: k), unusedScale: [Float] = [0], unusedZero: [Int32] = [0]
        #expect(album_quantize_rows_u8_using(ALBUM_SMALLM_PORTABLE, x, 1, k, k, 128, &unused, &unusedScale, &unusedZero) == 0,
                "codes beyond 255 are refused")
        // Dequantization, with and without a residual (beta), each row moved to its own zero point.
        let n = 37
        let c = (0..<rows * n).map { _ in Int32(Int64(rng.next() % 200001) - 100000) }
        let colScales = rng.floats(n, scale: 0.01), start = rng.floats(rows * n)
        let colSums = (0..<n).map { _ in Int32(Int64(rng.next() % 20001) - 10000) }
        for beta in [Float(0), 1, -0.5] {
            var expected = start
            #expect(album_dequantize_rows_using(ALBUM_SMALLM_PORTABLE, c, rows, n, n, portableScales, portableZeros,
                                                colScales, colSums, 0.5, beta, &expected, n) == 1)
            for i in 0..<rows {
                for j in 0..<n {
                    let moved = Double(c[i * n + j]) - Double(portableZeros[i]) * Double(colSums[j])
                    let exact = 0.5 * moved * Double(portableScales[i]) * Double(colScales[j]) + Double(beta) * Double(start[i * n + j])
                    #expect(abs(Double(expected[i * n + j]) - exact) <= 1e-5 * max(1, abs(exact)), "dequantize \(i), \(j)")
                }
            }
            for variant in Self.variants.dropFirst() where album_smallm_bw_supports(variant) != 0 {
                var got = start
                #expect(album_dequantize_rows_using(variant, c, rows, n, n, portableScales, portableZeros, colScales,
                                                    colSums, 0.5, beta, &got, n) == 1)
                #expect(got == expected, "dequantize variant \(variant.rawValue), beta \(beta)")
            }
        }
    }

    /// x quantized per row as the kernel does, as fp32 values (codes − zero point) · scale.
    static func dequantizedRows(_ x: [Float], rows: Int, k: Int) -> [Float] {
        let maxCode = Int8Weight.defaultActivationMaxCode
        var codes = [UInt8](repeating: 0, count: rows * k), scales = [Float](repeating: 0, count: rows)
        var zeros = [Int32](repeating: 0, count: rows)
        album_quantize_rows_u8(x, rows, k, k, Int32(maxCode), &codes, &scales, &zeros)
        return (0..<rows * k).map { Float(Int32(codes[$0]) - zeros[$0 / k]) * scales[$0 / k] }
    }

    @Test func int8LinearIsTheProductOfItsQuantizedOperands() {
        for (m, k, n) in Self.shapes + [(96, 512, 256)] {
            var rng = Rng(state: UInt64(m * 131 + k * 7 + n))
            let w = Tensor(shape: [k, n], values: rng.floats(k * n, scale: 0.1))  // (K, N)
            let x = rng.floats(m * k, scale: 2), residual = rng.floats(m * n)
            let weight = Int8Weight(quantizing: w)
            let wq = weight.dequantized()  // (K, N)
            let xq = Self.dequantizedRows(x, rows: m, k: k)
            for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1)] {
                var single = residual, split = residual
                weight.linear(x, rows: m, into: &single, alpha: alpha, beta: beta, threads: 1)
                weight.linear(x, rows: m, into: &split, alpha: alpha, beta: beta, threads: 2)
                #expect(single == split, "\(m)x\(k)x\(n): the thread split changed the result")
                let exact = zip(Naive.matmul(xq, Array(UnsafeBufferPointer(start: wq.data, count: k * n)), m: m, n: n, k: k),
                                residual).map { alpha * $0 + beta * $1 }
                let report = Closeness("int8 \(m)x\(k)x\(n)", got: single, expected: exact, maxAbs: 2e-4, rel: 1e-5)
                #expect(report.passed, "\(report)")
                // Quantization error against the unquantized product: a few percent of the output's scale.
                let fp32 = zip(Naive.matmul(x, Array(UnsafeBufferPointer(start: w.data, count: k * n)), m: m, n: n, k: k),
                               residual).map { alpha * $0 + beta * $1 }
                let scale = fp32.map { abs($0) }.max()!
                let worst = zip(single, fp32).map { abs($0 - $1) }.max()!
                #expect(worst < 0.03 * scale, "int8 \(m)x\(k)x\(n): error \(worst) against output scale \(scale)")
            }
            // A row's result does not depend on the other rows.
            if m > 1 {
                var alone = [Float](repeating: 0, count: n), together = [Float](repeating: 0, count: m * n)
                weight.linear(x, rows: m, into: &together)
                x.withUnsafeBufferPointer { weight.linear($0.baseAddress! + (m - 1) * k, rows: 1, into: &alone) }
                #expect(Array(together[((m - 1) * n)...]) == alone, "int8 \(m)x\(k)x\(n): last row alone differs")
            }
        }
    }

    @Test func bf16RoundsToNearestEven() {
        let values: [Float] = [1, 1 + 1.0 / 256, 1 + 3.0 / 512, -2.5, .infinity, 3.0e38, 1e-40]
        var out = [UInt16](repeating: 0, count: values.count)
        album_f32_to_bf16(values, &out, values.count)
        // 1 + 2^-8 is a tie between 0x3F80 and 0x3F81: even wins; 1 + 3·2^-9 (0.75 ulp) rounds up to 0x3F81.
        #expect(out == [0x3F80, 0x3F80, 0x3F81, 0xC020, 0x7F80, 0x7F62, 0x0001])
        var nan = [UInt16](repeating: 0, count: 1)
        album_f32_to_bf16([Float.nan], &nan, 1)
        #expect(nan[0] & 0x7F80 == 0x7F80 && nan[0] & 0x007F != 0)
    }

    @Test func bf16SmallMVariantsMatchTheTwin() {
        for (m, k, n) in Self.shapes where m <= 32 {
            var rng = Rng(state: UInt64(m * 17 + k + n))
            let x = rng.floats(m * k), w = rng.floats(k * n), start = rng.floats(m * n)
            var bits = [UInt16](repeating: 0, count: k * n)
            album_f32_to_bf16(w, &bits, k * n)
            for (alpha, beta) in [(Float(1), Float(0)), (2, -0.5)] {
                var portable = start, naive = start
                #expect(album_smallm_bf16_using(ALBUM_SMALLM_PORTABLE, m, n, k, x, k, bits, n, &portable, n, alpha, beta) == 1)
                album_smallm_bf16_reference(m, n, k, x, k, bits, n, &naive, n, alpha, beta)
                let report = Closeness("bf16 \(m)x\(k)x\(n)", got: portable, expected: naive, maxAbs: 1e-4, rel: 1e-5)
                #expect(report.passed, "\(report)")
                for variant in Self.variants.dropFirst() {
                    var got = start
                    guard album_smallm_bf16_using(variant, m, n, k, x, k, bits, n, &got, n, alpha, beta) == 1 else { continue }
                    #expect(got == portable, "bf16 variant \(variant.rawValue) \(m)x\(k)x\(n) differs from portable")
                }
            }
        }
    }

    @Test(arguments: [BF16Weight.Layout.rowMajor, .pairedPanels])
    func bf16LinearIsTheProductOfTheWidenedWeight(layout: BF16Weight.Layout) throws {
        // Without AVX-512 BF16 the paired layout is never used (asking for it gives row-major).
        guard BF16Weight.Layout.isSupported(layout) else {
            #expect(BF16Weight(rounding: Tensor(shape: [2, 2], values: [1, 2, 3, 4]), layout: layout).layout == .rowMajor)
            return
        }
        for (m, k, n) in Self.shapes + [(70, 1024, 160), (29, 255, 97)] {
            var rng = Rng(state: UInt64(m * 29 + k * 3 + n))
            let w = Tensor(shape: [k, n], values: rng.floats(k * n, scale: 0.1))  // (K, N)
            let x = rng.floats(m * k), residual = rng.floats(m * n)
            let weight = BF16Weight(rounding: w, layout: layout)
            #expect(weight.layout == layout)
            let widened = weight.widened()
            var single = residual, split = residual
            weight.linear(x, rows: m, into: &single, alpha: 0.5, beta: 1, threads: 1)
            weight.linear(x, rows: m, into: &split, alpha: 0.5, beta: 1, threads: 2)
            #expect(single == split, "bf16 \(m)x\(k)x\(n): the thread split changed the result")
            // Computed in bf16, the activations are rounded to bf16 too.
            let operand = layout == .rowMajor ? x : x.map { Float(BFloat16Rounding.rounded($0)) }
            let expected = zip(Naive.matmul(operand, Array(UnsafeBufferPointer(start: widened.data, count: k * n)), m: m, n: n, k: k),
                               residual).map { 0.5 * $0 + $1 }
            let report = Closeness("bf16 linear \(m)x\(k)x\(n)", got: single, expected: expected, maxAbs: 2e-4, rel: 1e-5)
            #expect(report.passed, "\(report)")
            // Every widened weight is within bf16's half-ulp (2^-9 relative) of the fp32 weight.
            #expect((0..<k * n).allSatisfy { abs(widened.data[$0] - w.data[$0]) <= abs(w.data[$0]) / 256 })
            // A row's result does not depend on the other rows (row-major: while the small-M kernel runs, up to
            // `Matmul.smallRows` for this CPU's variant; sgemm's blocking above it depends on M).
            guard layout == .pairedPanels || m <= max(Matmul.smallRows, Matmul.gemvRows) else { continue }
            var alone = [Float](repeating: 0, count: n), together = [Float](repeating: 0, count: m * n)
            weight.linear(x, rows: m, into: &together)
            x.withUnsafeBufferPointer { weight.linear($0.baseAddress! + (m - 1) * k, rows: 1, into: &alone) }
            #expect(Array(together[((m - 1) * n)...]) == alone, "bf16 \(m)x\(k)x\(n): last row alone differs")
        }
    }

    @Test func bf16PackedWeightsWidenToTheRowMajorOnes() {
        for (_, k, n) in Self.shapes + [(1, 7, 33), (1, 1, 1)] {
            var rng = Rng(state: UInt64(k * 7 + n))
            let w = rng.floats(k * n)
            var plain = [UInt16](repeating: 0, count: k * n)
            album_f32_to_bf16(w, &plain, k * n)
            var packed = [UInt16](repeating: 0xFFFF, count: album_bf16_packed_count(k, n))
            album_bf16_pack(w, k, n, &packed)
            var unpacked = [Float](repeating: .nan, count: k * n), widened = unpacked
            album_bf16_unpack(packed, k, n, &unpacked)
            album_bf16_to_f32(plain, k, n, n, &widened, n)
            #expect(unpacked == widened, "\(k)x\(n): pack then unpack is not the rounded weight")
            // The padding (a missing row of the last pair, missing columns of the last panel) is zero.
            #expect(packed.filter { $0 != 0 }.count == plain.filter { $0 != 0 }.count, "\(k)x\(n): padding is not zero")
        }
    }

    @Test func bf16RoundedRowsAreTheScalarRounding() {
        var rng = Rng(state: 31)
        for (m, k) in [(1, 1), (3, 17), (4, 64), (2, 131)] {
            var x = rng.floats(m * k, scale: 4)
            x[0] = .nan
            if x.count > 3 { x[1] = .infinity; x[2] = 1 + 1.0 / 256; x[3] = -1e-40 }
            let width = 2 * ((k + 1) / 2)
            var fast = [UInt16](repeating: 0xFFFF, count: m * width), portable = fast
            album_bf16_round_rows(x, m, k, k, &fast)
            album_bf16_round_rows_portable(x, m, k, k, &portable)
            #expect(fast == portable, "\(m)x\(k): the vector rounding differs from the scalar one")
            var scalar = [UInt16](repeating: 0, count: k)
            album_f32_to_bf16(Array(x[0..<k]), &scalar, k)
            #expect(Array(portable[0..<k]) == scalar && (width == k || portable[k] == 0))
        }
    }

    @Test(.enabled(if: album_bf16dot_supported() != 0, "this CPU has no AVX-512 BF16"))
    func bf16DotProductMatchesTheTwin() {
        for (m, k, n) in Self.shapes + [(13, 257, 31), (25, 768, 96)] {
            var rng = Rng(state: UInt64(m * 5 + k + 3 * n))
            let x = rng.floats(m * k), w = rng.floats(k * n), start = rng.floats(m * n)
            var plain = [UInt16](repeating: 0, count: k * n)
            album_f32_to_bf16(w, &plain, k * n)
            var packed = [UInt16](repeating: 0, count: album_bf16_packed_count(k, n))
            album_bf16_pack(w, k, n, &packed)
            var rounded = [UInt16](repeating: 0, count: m * 2 * ((k + 1) / 2))
            album_bf16_round_rows(x, m, k, k, &rounded)
            for (alpha, beta) in [(Float(1), Float(0)), (2, -0.5)] {
                var fast = start, naive = start
                #expect(album_bf16dot_gemm(m, n, k, rounded, packed, &fast, n, alpha, beta) == 1)
                album_bf16dot_reference(m, n, k, x, k, plain, n, &naive, n, alpha, beta)
                let report = Closeness("bf16dot \(m)x\(k)x\(n)", got: fast, expected: naive, maxAbs: 1e-4, rel: 1e-5)
                #expect(report.passed, "\(report)")
            }
        }
    }
}

/// fp32 → bf16 → fp32, nearest even (as `album_f32_to_bf16`).
enum BFloat16Rounding {
    static func rounded(_ value: Float) -> Float {
        var bits: UInt16 = 0
        album_f32_to_bf16([value], &bits, 1)
        return Float(bitPattern: UInt32(bits) << 16)
    }
}
