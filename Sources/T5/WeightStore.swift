// Strict, scoped access to a checkpoint's tensors (candle's VarBuilder + llama.cpp's done_getting_tensors):
// every read checks the shape, records the name as consumed, and `assertAllConsumed` fails on leftovers.
// Weights are widened to Float32 and, for linear layers, transposed to (in, out) = (K, N) once at load time.
import Kernels

final class WeightStore {
    let source: any TensorSource
    private(set) var consumed: Set<String> = []
    /// The precision each projection (`linearLayer`, `fusedLinearLayer`) is stored in as soon as it is read, so that
    /// a reduced-precision load never holds the whole model in fp32 (its peak is the reduced model plus one layer).
    let projectionPrecision: Precision

    init(source: any TensorSource, projectionPrecision: Precision = .fp32) {
        self.source = source
        self.projectionPrecision = projectionPrecision
    }

    /// Whether the source holds `name` (a synthetic source answers for the tensors a model of `expected` needs).
    func contains(_ name: String, expected: [Int]? = nil) -> Bool { source.shape(of: name, expected: expected) != nil }

    /// Marks a tensor that HF itself ignores on load (e.g. a stray cross-attention relative bias) as used.
    func ignore(_ name: String) {
        if contains(name) { consumed.insert(name) }
    }

    /// Checks that `name` exists with `shape` and marks it consumed.
    private func check(_ name: String, _ shape: [Int]) throws(T5Error) {
        guard let stored = source.shape(of: name, expected: shape) else { throw .missingTensor(name: name) }
        guard stored == shape else { throw .shapeMismatch(name: name, expected: shape, got: stored) }
        consumed.insert(name)
    }

    /// Tensor `name` as stored (row-major), widened to Float32.
    func tensor(_ name: String, shape: [Int]) throws(T5Error) -> Tensor {
        try check(name, shape)
        let out = Tensor(uninitialized: shape)
        try source.read(name, into: out.data, count: out.count)
        return out
    }

    /// Writes the transpose of the PyTorch Linear weight `name` (out, in) into columns
    /// [column, column + out) of `destination`, a row-major (in, width) matrix.
    func linearTransposed(_ name: String, outFeatures: Int, inFeatures: Int,
                          into destination: Tensor, column: Int) throws(T5Error) {
        precondition(destination.shape[0] == inFeatures && column + outFeatures <= destination.shape[1])
        let source = try tensor(name, shape: [outFeatures, inFeatures])  // (N, K)
        let width = destination.shape[1]
        for n in 0..<outFeatures {
            let row = source.data + n * inFeatures
            for k in 0..<inFeatures { destination.data[k * width + column + n] = row[k] }
        }
    }

    /// A PyTorch Linear weight (out, in) stored as (in, out) = (K, N) for `Matmul.linear`.
    func linear(_ name: String, outFeatures: Int, inFeatures: Int) throws(T5Error) -> Tensor {
        let out = Tensor(uninitialized: [inFeatures, outFeatures])
        try linearTransposed(name, outFeatures: outFeatures, inFeatures: inFeatures, into: out, column: 0)
        return out
    }

    /// Several Linear weights sharing an input, fused side by side into one (in, Σ out) matrix (fused QKV).
    func fusedLinear(_ names: [String], outFeatures: Int, inFeatures: Int) throws(T5Error) -> Tensor {
        let out = Tensor(uninitialized: [inFeatures, outFeatures * names.count])
        for (i, name) in names.enumerated() {
            try linearTransposed(name, outFeatures: outFeatures, inFeatures: inFeatures, into: out, column: i * outFeatures)
        }
        return out
    }

    /// Throws `.unusedTensors` naming every tensor nothing consumed.
    func assertAllConsumed() throws(T5Error) {
        let unused = source.names.filter { !consumed.contains($0) }.sorted()
        guard unused.isEmpty else { throw .unusedTensors(unused) }
    }

    /// A view that prefixes names, e.g. `store.scoped("encoder.block.0")`.
    func scoped(_ prefix: String) -> Scope { Scope(store: self, prefix: prefix) }

    struct Scope {
        let store: WeightStore
        let prefix: String

        func name(_ suffix: String) -> String { prefix.isEmpty ? suffix : "\(prefix).\(suffix)" }
        func scoped(_ suffix: String) -> Scope { Scope(store: store, prefix: name(suffix)) }
        func tensor(_ suffix: String, shape: [Int]) throws(T5Error) -> Tensor {
            try store.tensor(name(suffix), shape: shape)
        }
        func linear(_ suffix: String, outFeatures: Int, inFeatures: Int) throws(T5Error) -> Tensor {
            try store.linear(name(suffix), outFeatures: outFeatures, inFeatures: inFeatures)
        }
        func fusedLinear(_ suffixes: [String], outFeatures: Int, inFeatures: Int) throws(T5Error) -> Tensor {
            try store.fusedLinear(suffixes.map(name), outFeatures: outFeatures, inFeatures: inFeatures)
        }
    }
}
