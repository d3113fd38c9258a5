// Tolerance checks that say where they failed: first mismatching index, max absolute difference, NMSE
// (llm.c check_tensor, ggml's NMSE). Tests assert `report.passed` and print `report` on failure.
import Foundation

public struct Closeness: CustomStringConvertible, Sendable {
    public let label: String
    public let count: Int
    public let maxAbsDiff: Double
    public let maxAbsIndex: Int
    public let firstMismatch: Int?
    public let nmse: Double
    public let passed: Bool
    let tolerance: String

    /// Element-wise |got - expected| ≤ maxAbs + rel·|expected|, optionally NMSE ≤ nmse.
    public init(_ label: String, got: [Float], expected: [Float], maxAbs: Double, rel: Double = 0,
                nmse nmseLimit: Double? = nil) {
        self.init(label, got: got.map(Double.init), expected: expected.map(Double.init), maxAbs: maxAbs, rel: rel,
                  nmse: nmseLimit)
    }

    /// The same check on Double values (log-likelihoods).
    public init(_ label: String, got: [Double], expected: [Double], maxAbs: Double, rel: Double = 0,
                nmse nmseLimit: Double? = nil) {
        self.label = label
        count = expected.count
        var worst = 0.0, worstIndex = -1, first: Int? = nil, worstRelative = 0.0
        var errorSum = 0.0, refSum = 0.0
        if got.count == expected.count {
            for i in 0..<count {
                let e = expected[i], g = got[i]
                let diff = abs(g - e)
                if !(diff <= worst) { worst = diff; worstIndex = i }
                if e != 0, !(diff / abs(e) <= worstRelative) { worstRelative = diff / abs(e) }
                if first == nil, !(diff <= maxAbs + rel * abs(e)) { first = i }
                errorSum += (g - e) * (g - e)
                refSum += e * e
            }
        }
        maxAbsDiff = worst
        maxAbsIndex = worstIndex
        maxRelDiff = worstRelative
        firstMismatch = got.count == expected.count ? first : 0
        firstMismatchValues = first.map { (got[$0], expected[$0]) }
        nmse = refSum > 0 ? errorSum / refSum : errorSum
        let measuredNMSE = refSum > 0 ? errorSum / refSum : errorSum
        let nmseOK = nmseLimit.map { measuredNMSE <= $0 } ?? true
        passed = got.count == expected.count && first == nil && nmseOK && !worst.isNaN
        var text = "maxAbs \(maxAbs)"
        if rel > 0 { text += " + rel \(rel)" }
        if let nmseLimit { text += ", nmse ≤ \(nmseLimit)" }
        tolerance = text
        if got.count != expected.count { _countMismatch = (got.count, expected.count) } else { _countMismatch = nil }
    }

    /// Largest |got - expected| / |expected| over the nonzero expected values.
    public let maxRelDiff: Double
    private let firstMismatchValues: (Double, Double)?
    private let _countMismatch: (Int, Int)?

    public var description: String {
        if let (g, e) = _countMismatch { return "\(label): got \(g) values, expected \(e)" }
        let status = passed ? "ok" : "FAILED"
        var where_ = firstMismatch.map { "first mismatch at index \($0)" } ?? ""
        if let (g, e) = firstMismatchValues { where_ += " (got \(g), expected \(e))" }
        if !where_.isEmpty { where_ += ", " }
        return "\(label): \(status) (\(tolerance)); \(where_)max |diff| \(maxAbsDiff) at index \(maxAbsIndex), "
            + "max rel diff \(maxRelDiff), nmse \(nmse), n = \(count)"
    }
}

/// The first index where two integer sequences differ, for "greedy ids identical" messages.
public func firstDifference<T: Equatable>(_ a: [T], _ b: [T]) -> String? {
    if a == b { return nil }
    let index = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
    return "sequences differ at index \(index): got \(a), expected \(b)"
}
