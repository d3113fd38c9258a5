// A resumable training checkpoint (one safetensors file, written atomically): the trainable parameters, the
// optimizer's state, extra tensors a trainer keeps (e.g. source snapshots taken so far) and, in the metadata, the
// completed step and the best validation so far. The sampler position and dropout masks follow from (seed, step),
// so the step is the whole RNG state: a resumed run reproduces the uninterrupted one exactly.
import Foundation
import Kernels
import SafeTensors

public struct TrainingCheckpoint {
    public static let fileName = "checkpoint.safetensors"

    public var step: Int
    public var parameters: [String: Tensor]
    public var optimizerState: [String: Tensor]
    public var extra: [String: Tensor]
    public var metadata: [String: String]

    public init(step: Int, parameters: [String: Tensor], optimizerState: [String: Tensor], extra: [String: Tensor],
                metadata: [String: String]) {
        self.step = step
        self.parameters = parameters
        self.optimizerState = optimizerState
        self.extra = extra
        self.metadata = metadata
    }

    /// Writes the checkpoint atomically (temp + fsync + rename) to `url`.
    public func write(to url: URL) throws(TrainingError) {
        var entries: [SafeTensorsWriter.Entry] = []
        for (prefix, tensors) in [("param.", parameters), ("opt.", optimizerState), ("extra.", extra)] {
            for (name, tensor) in tensors.sorted(by: { $0.key < $1.key }) {
                entries.append(SafeTensorsWriter.Entry(name: prefix + name, shape: tensor.shape, values: tensor.array))
            }
        }
        var meta = metadata
        meta["step"] = "\(step)"
        do { try SafeTensorsWriter.write(entries, metadata: meta, to: url) } catch {
            throw .badCheckpoint(path: url.path, reason: "cannot write: \(error)")
        }
    }

    /// Reads a checkpoint written by `write(to:)`.
    public static func read(_ url: URL) throws(TrainingError) -> TrainingCheckpoint {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(url: url) } catch { throw .badCheckpoint(path: url.path, reason: "\(error)") }
        guard let stepText = file.metadata["step"], let step = Int(stepText), step >= 0 else {
            throw .badCheckpoint(path: url.path, reason: "no step in the metadata")
        }
        var groups: [String: [String: Tensor]] = ["param.": [:], "opt.": [:], "extra.": [:]]
        for name in file.names {
            guard let prefix = groups.keys.first(where: { name.hasPrefix($0) }), let info = file.tensors[name] else {
                throw .badCheckpoint(path: url.path, reason: "unexpected tensor \(name)")
            }
            let tensor = Tensor(uninitialized: info.shape)
            do { try file.read(name, into: tensor.data) } catch { throw .badCheckpoint(path: url.path, reason: "\(error)") }
            groups[prefix]![String(name.dropFirst(prefix.count))] = tensor
        }
        return TrainingCheckpoint(step: step, parameters: groups["param."]!, optimizerState: groups["opt."]!,
                                  extra: groups["extra."]!, metadata: file.metadata)
    }
}
