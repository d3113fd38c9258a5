// Errors raised while reading or writing .safetensors files and HF sharded checkpoints.
// Every case names the file (and tensor, where there is one) so a user can find the problem.

public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case truncated(path: String, reason: String)
    case malformedHeader(path: String, reason: String)
    case unsupportedDType(path: String, tensor: String, dtype: String)
    case badOffsets(path: String, tensor: String, reason: String)
    case missingTensor(name: String)
    case malformedIndex(path: String, reason: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open \(path): \(reason)"
        case .truncated(let path, let reason): "\(path) is truncated: \(reason)"
        case .malformedHeader(let path, let reason): "\(path) has a malformed safetensors header: \(reason)"
        case .unsupportedDType(let path, let tensor, let dtype):
            "\(path): tensor '\(tensor)' has unsupported dtype \(dtype) (supported: F32, F16, BF16)"
        case .badOffsets(let path, let tensor, let reason): "\(path): tensor '\(tensor)' has bad data offsets: \(reason)"
        case .missingTensor(let name): "no tensor named '\(name)'"
        case .malformedIndex(let path, let reason): "\(path) is not a valid safetensors index: \(reason)"
        case .writeFailed(let path, let reason): "cannot write \(path): \(reason)"
        }
    }
}
