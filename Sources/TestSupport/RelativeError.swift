// Whole-tensor comparison for gradients: ‖got − expected‖₂ / ‖expected‖₂ (absolute ‖got‖₂ when the reference is
// exactly 0), the measure of the autograd-parity tests, with the worst element named on failure.

public struct RelativeError: CustomStringConvertible, Sendable {
    public let label: String
    /// ‖got − expected‖ / ‖expected‖ (or ‖got‖ for an all-zero reference); infinity when the counts differ.
    public let value: Double
    public let tolerance: Double
    public let worstIndex: Int
    public let worstGot: Float
    public let worstExpected: Float

    public init(_ label: String, got: [Float], expected: [Float], tolerance: Double) {
        self.label = label
        self.tolerance = tolerance
        var errorSquares = 0.0, referenceSquares = 0.0, worst = -1.0, worstIndex = -1
        if got.count == expected.count {
            for i in got.indices {
                let diff = Double(got[i]) - Double(expected[i])
                errorSquares += diff * diff
                referenceSquares += Double(expected[i]) * Double(expected[i])
                if abs(diff) > worst { worst = abs(diff); worstIndex = i }
            }
        }
        let norm = referenceSquares.squareRoot()
        value = got.count != expected.count ? .infinity : (norm > 0 ? errorSquares.squareRoot() / norm
                                                                     : errorSquares.squareRoot())
        self.worstIndex = worstIndex
        worstGot = worstIndex >= 0 ? got[worstIndex] : .nan
        worstExpected = worstIndex >= 0 ? expected[worstIndex] : .nan
    }

    public var passed: Bool { value <= tolerance }

    public var description: String {
        "\(label): relative error \(value) (tolerance \(tolerance)) \(passed ? "ok" : "FAILED"); worst element "
            + "\(worstIndex): \(worstGot) vs \(worstExpected)"
    }
}
