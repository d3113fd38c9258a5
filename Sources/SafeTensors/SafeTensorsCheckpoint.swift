// A Hugging Face checkpoint directory's weights: `model.safetensors`, or shards listed by
// `model.safetensors.index.json` ({"weight_map": {tensor: shard file}}), as transformers' `save_pretrained` writes them.
import Foundation

public final class SafeTensorsCheckpoint: @unchecked Sendable {
    public let directory: URL
    /// Every tensor in the checkpoint, by name.
    public let tensors: [String: TensorInfo]
    public let files: [SafeTensorsFile]
    private let fileOfTensor: [String: SafeTensorsFile]

    /// Opens the weights of the HF checkpoint at `directory`.
    /// - Throws: `SafeTensorsError` when no weights file exists, the index is malformed or disagrees with its shards,
    ///   or any shard fails validation.
    public init(directory: URL) throws(SafeTensorsError) {
        self.directory = directory
        let single = directory.appendingPathComponent("model.safetensors")
        let index = directory.appendingPathComponent("model.safetensors.index.json")
        var fileOfTensor: [String: SafeTensorsFile] = [:]
        var files: [SafeTensorsFile] = []
        if FileManager.default.fileExists(atPath: single.path) {
            let file = try SafeTensorsFile(url: single)
            files = [file]
            for name in file.tensors.keys { fileOfTensor[name] = file }
        } else if FileManager.default.fileExists(atPath: index.path) {
            let weightMap = try Self.readWeightMap(index)
            var byShard: [String: SafeTensorsFile] = [:]
            for shard in Set(weightMap.values).sorted() {
                guard !shard.contains("/") else { throw .malformedIndex(path: index.path, reason: "shard name '\(shard)' is not a plain file name") }
                let file = try SafeTensorsFile(url: directory.appendingPathComponent(shard))
                byShard[shard] = file
                files.append(file)
            }
            for (name, shard) in weightMap {
                guard let file = byShard[shard], file.tensors[name] != nil else {
                    throw .malformedIndex(path: index.path, reason: "tensor '\(name)' is mapped to \(shard), which does not contain it")
                }
                fileOfTensor[name] = file
            }
            for file in files {
                for name in file.tensors.keys where fileOfTensor[name] !== file {
                    throw .malformedIndex(path: index.path, reason: "tensor '\(name)' in \(file.path) is not listed in the weight map")
                }
            }
        } else {
            throw .cannotOpen(path: directory.path, reason: "no model.safetensors or model.safetensors.index.json")
        }
        self.files = files
        self.fileOfTensor = fileOfTensor
        var tensors: [String: TensorInfo] = [:]
        for (name, file) in fileOfTensor { tensors[name] = file.tensors[name] }
        self.tensors = tensors
    }

    /// Widens tensor `name` into `destination` (row-major Float32).
    public func read(_ name: String, into destination: UnsafeMutablePointer<Float>) throws(SafeTensorsError) {
        guard let file = fileOfTensor[name] else { throw .missingTensor(name: name) }
        try file.read(name, into: destination)
    }

    /// The dtype names stored in the checkpoint, e.g. ["BF16"].
    public var storedDTypes: [String] { Array(Set(tensors.values.map(\.dtype.rawValue))).sorted() }

    private static func readWeightMap(_ index: URL) throws(SafeTensorsError) -> [String: String] {
        let data: Data
        do { data = try Data(contentsOf: index) } catch {
            throw .cannotOpen(path: index.path, reason: error.localizedDescription)
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw .malformedIndex(path: index.path, reason: "not a JSON object")
        }
        guard let map = object["weight_map"] as? [String: String] else {
            throw .malformedIndex(path: index.path, reason: "missing or non-string 'weight_map'")
        }
        return map
    }
}
