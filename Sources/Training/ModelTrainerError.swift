// Errors of full-parameter model training (ModelTrainer.swift): the data, the model, a checkpoint that could not be
// written, or a loss that stopped being finite. Each names what a user needs to fix.
import Foundation
import T5

public enum ModelTrainerError: Error, CustomStringConvertible, Equatable {
    /// The data or a hyper-parameter (Training's own error).
    case training(TrainingError)
    /// The model refused a batch or could not be saved.
    case model(T5Error)
    /// A file next to the checkpoint (tokenizer files) could not be copied.
    case cannotCopy(path: String, reason: String)
    /// The loss of optimizer step `step` (1-based) was NaN or infinite.
    case nonFiniteLoss(step: Int, loss: Double)

    public var description: String {
        switch self {
        case .training(let error): "\(error)"
        case .model(let error): "\(error)"
        case .cannotCopy(let path, let reason): "cannot copy \(path) into the checkpoint: \(reason)"
        case .nonFiniteLoss(let step, let loss): "the loss of step \(step) is \(loss); stopping (try a lower --lr)"
        }
    }
}
