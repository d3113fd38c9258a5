// Errors of the T5 module: configuration problems and strict checkpoint loading (missing, misshapen or unused
// tensors), each naming the file, key or tensor involved.
import SafeTensors

public enum T5Error: Error, CustomStringConvertible, Equatable {
    case cannotReadConfig(path: String, reason: String)
    case unsupportedModelType(String)
    case unsupportedActivation(feedForwardProj: String)
    case invalidConfig(key: String, reason: String)
    case checkpoint(SafeTensorsError)
    case missingTensor(name: String)
    case shapeMismatch(name: String, expected: [Int], got: [Int])
    case unusedTensors([String])
    case conflictingTensors(names: [String], reason: String)
    case invalidTokenID(id: Int32, vocabSize: Int)
    /// An encoder row or target the model cannot run (empty, or a prompt of the wrong width).
    case invalidInput(String)

    public var description: String {
        switch self {
        case .cannotReadConfig(let path, let reason): "cannot read T5 config \(path): \(reason)"
        case .unsupportedModelType(let type):
            "unsupported model_type '\(type)' (supported: t5, mt5; umt5 uses per-layer relative biases and is not supported)"
        case .unsupportedActivation(let proj):
            "unsupported feed_forward_proj '\(proj)' (supported: relu, gelu, gelu_new, silu, optionally prefixed by 'gated-')"
        case .invalidConfig(let key, let reason): "invalid T5 config: \(key) \(reason)"
        case .checkpoint(let error): "\(error)"
        case .missingTensor(let name): "checkpoint is missing tensor '\(name)'"
        case .shapeMismatch(let name, let expected, let got):
            "tensor '\(name)' has shape \(got), expected \(expected)"
        case .unusedTensors(let names):
            "checkpoint has \(names.count) tensor(s) this T5 does not use: \(names.prefix(8).joined(separator: ", "))"
                + (names.count > 8 ? ", …" : "")
        case .conflictingTensors(let names, let reason): "tensors \(names.joined(separator: ", ")) conflict: \(reason)"
        case .invalidTokenID(let id, let vocabSize): "token id \(id) is outside the vocabulary (0..<\(vocabSize))"
        case .invalidInput(let reason): "invalid model input: \(reason)"
        }
    }
}
