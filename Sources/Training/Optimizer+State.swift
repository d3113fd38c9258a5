// Saving and restoring an optimizer's state for training checkpoints (torch's optimizer.state_dict()): the step
// count and every moment or momentum buffer, as named tensors. Restoring copies the values into the existing
// buffers, so a resumed run continues bit for bit where the checkpoint was written.
import Kernels

extension Optimizer {
    /// The state tensors, named "<kind>.<index>" in parameter order (absent buffers are not listed).
    public var stateTensors: [(name: String, tensor: Tensor)] {
        switch self {
        case let adam as AdamW:
            return named("m", adam.firstMoments) + named("v", adam.secondMoments)
        case let adafactor as Adafactor:
            return named("row", adafactor.rowMoments) + named("column", adafactor.columnMoments)
                + named("full", adafactor.fullMoments) + named("first", adafactor.firstMoments)
        case let sgd as SGD:
            return named("momentum", sgd.buffers)
        default:
            return []
        }
    }

    /// Restores `stateTensors` written by an optimizer of the same kind over parameters of the same shapes.
    /// - Throws: `TrainingError.invalidHyperparameter` naming a missing or misshapen state tensor.
    public func restore(state: [String: Tensor], stepCount: Int) throws(TrainingError) {
        if let sgd = self as? SGD, state["momentum.0"] != nil, sgd.buffers.isEmpty {
            sgd.buffers = sgd.parameters.map { Tensor(zeros: $0.shape) }
        }
        for (name, tensor) in stateTensors {
            guard let saved = state[name], saved.shape == tensor.shape else {
                throw .invalidHyperparameter(name: "checkpoint optimizer state", value: name,
                                             reason: "missing or of another shape than \(tensor.shape)")
            }
            tensor.data.update(from: saved.data, count: tensor.count)
        }
        switch self {
        case let adam as AdamW: adam.stepCount = stepCount
        case let adafactor as Adafactor: adafactor.stepCount = stepCount
        case let sgd as SGD: sgd.stepCount = stepCount
        default: break
        }
    }
}

private func named(_ kind: String, _ tensors: [Tensor?]) -> [(name: String, tensor: Tensor)] {
    tensors.enumerated().compactMap { index, tensor in tensor.map { ("\(kind).\(index)", $0) } }
}
