// Finite-difference gradient checks for the backward kernels (ggml test-grad0, llm.c's gradient checks): central
// differences of a scalar function evaluated in Double, compared with the analytic (Float) gradient by Closeness.

public enum GradCheck {
    /// Central differences (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h for every i in `indices` (all when nil); entries not
    /// in `indices` stay 0.
    public static func centralDifferences(at x: [Double], step h: Double, indices: [Int]? = nil,
                                          _ f: ([Double]) -> Double) -> [Double] {
        var gradient = [Double](repeating: 0, count: x.count)
        var probe = x
        for i in indices ?? Array(x.indices) {
            probe[i] = x[i] + h
            let plus = f(probe)
            probe[i] = x[i] - h
            let minus = f(probe)
            probe[i] = x[i]
            gradient[i] = (plus - minus) / (2 * h)
        }
        return gradient
    }

    /// Compares `analytic` with central differences of `f` at `x` (step `h`), element-wise within
    /// maxAbs + rel·|numeric|; `skip` excludes points where f is not differentiable (ReLU kinks).
    public static func check(_ label: String, analytic: [Float], at x: [Float], step h: Double = 1e-3,
                             maxAbs: Double, rel: Double, skip: (Int) -> Bool = { _ in false },
                             _ f: ([Double]) -> Double) -> Closeness {
        let kept = x.indices.filter { !skip($0) }
        let numeric = centralDifferences(at: x.map(Double.init), step: h, indices: kept, f)
        return Closeness("\(label) vs finite differences (h \(h))", got: kept.map { analytic[$0] },
                         expected: kept.map { Float(numeric[$0]) }, maxAbs: maxAbs, rel: rel)
    }
}
