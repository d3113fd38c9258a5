// Strict reader of one artifact .safetensors file, in the spirit of llama.cpp's loader: every tensor is checked for
// shape and finite values when taken, and the file is rejected if it holds tensors nothing took.
import Foundation
import Kernels
import SafeTensors

struct StrictTensorFile {
    let path: String
    let file: SafeTensorsFile
    private var taken: Set<String> = []

    init(url: URL) throws(PromptsError) {
        path = url.path
        do { file = try SafeTensorsFile(url: url) } catch { throw .unreadable(path: url.path, reason: error.description) }
    }

    /// Shape of `name`, if present.
    func shape(of name: String) -> [Int]? { file.tensors[name]?.shape }

    /// Reads tensor `name`; `expected` gives each dimension (nil = any) and fixes the rank.
    mutating func take(_ name: String, shape expected: [Int?]) throws(PromptsError) -> Tensor {
        guard let info = file.tensors[name] else { throw .missingTensor(path: path, tensor: name) }
        let matches = info.shape.count == expected.count && zip(info.shape, expected).allSatisfy { $1 == nil || $0 == $1 }
        guard matches else {
            throw .shapeMismatch(path: path, tensor: name, expected: zip(expected.indices, expected).map { $1 ?? info.shape[safe: $0] ?? -1 }, got: info.shape)
        }
        // A zero-sized dimension is no prompt at all (and would reach max-pools over zero rows).
        if info.shape.contains(0) { throw .badTensor(path: path, tensor: name, reason: "zero-sized dimension in shape \(info.shape)") }
        let tensor = Tensor(uninitialized: info.shape)
        do { try file.read(name, into: tensor.data) } catch { throw .unreadable(path: path, reason: error.description) }
        try Self.checkFinite(tensor, path: path, name: name)
        taken.insert(name)
        return tensor
    }

    /// Throws if any tensor was never taken.
    func assertAllTaken() throws(PromptsError) {
        let unused = file.names.filter { !taken.contains($0) }
        if !unused.isEmpty { throw .unusedTensors(path: path, tensors: unused) }
    }

    static func checkFinite(_ tensor: Tensor, path: String, name: String) throws(PromptsError) {
        let values = tensor.buffer
        if let bad = values.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(path: path, tensor: name, index: bad) }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
