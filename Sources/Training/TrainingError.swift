// The one error type of the Training module: bad data files, bad hyper-parameters, non-finite gradients.
// Every case carries the context a user needs to fix the input (file and 1-based line, column names, values).

public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// A dataset file could not be opened or read.
    case unreadableFile(path: String, reason: String)
    /// One line of a dataset file is not a valid example (1-based line number).
    case malformedLine(file: String, line: Int, reason: String)
    /// A TSV header lacks a requested column.
    case missingColumn(file: String, column: String, header: [String])
    /// A dataset file holds no examples.
    case emptyDataset(file: String)
    /// An optimizer, schedule or sampler setting is out of range (torch raises ValueError for the same).
    case invalidHyperparameter(name: String, value: String, reason: String)
    /// The gradients' global norm is NaN or infinite (clip_grad_norm_ with error_if_nonfinite=True).
    case nonFiniteGradientNorm(Float)
    /// The run stopped on SIGINT after writing a checkpoint; `--resume` continues it.
    case interrupted(step: Int, checkpoint: String)
    /// A training checkpoint is missing, unreadable or does not fit the run.
    case badCheckpoint(path: String, reason: String)
    /// The model, tokenizer, prompt or task could not be set up or run (the underlying error's message).
    case setup(String)

    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason): "cannot read dataset \(path): \(reason)"
        case .malformedLine(let file, let line, let reason): "\(file):\(line): \(reason)"
        case .missingColumn(let file, let column, let header):
            "\(file): no column '\(column)' in the header (columns: \(header.joined(separator: ", ")))"
        case .emptyDataset(let file): "\(file): no examples"
        case .invalidHyperparameter(let name, let value, let reason): "invalid \(name) \(value): \(reason)"
        case .nonFiniteGradientNorm(let norm):
            "the total norm of the gradients is \(norm); refusing to clip (errorIfNonfinite)"
        case .interrupted(let step, let checkpoint): "interrupted at step \(step); checkpoint written to \(checkpoint) (use --resume)"
        case .badCheckpoint(let path, let reason): "checkpoint \(path): \(reason)"
        case .setup(let message): message
        }
    }
}
