// Rewrites the paths an error names, so errors about an upload name the uploaded file ("upload/prompt.safetensors")
// instead of the registry's private staging folder.

extension PromptsError {
    /// The same error with `prefix` replaced by `label` at the start of every path it carries.
    public func replacingPathPrefix(_ prefix: String, with label: String) -> PromptsError {
        func fix(_ path: String) -> String { path.hasPrefix(prefix) ? label + path.dropFirst(prefix.count) : path }
        func fixText(_ text: String) -> String { text.replacingOccurrences(of: prefix, with: label) }
        switch self {
        case .unreadable(let path, let reason): return .unreadable(path: fix(path), reason: fixText(reason))
        case .badManifest(let path, let reason): return .badManifest(path: fix(path), reason: fixText(reason))
        case .missingTensor(let path, let tensor): return .missingTensor(path: fix(path), tensor: tensor)
        case .unusedTensors(let path, let tensors): return .unusedTensors(path: fix(path), tensors: tensors)
        case .shapeMismatch(let path, let tensor, let expected, let got):
            return .shapeMismatch(path: fix(path), tensor: tensor, expected: expected, got: got)
        case .badTensor(let path, let tensor, let reason): return .badTensor(path: fix(path), tensor: tensor, reason: reason)
        case .nonFinite(let path, let tensor, let index): return .nonFinite(path: fix(path), tensor: tensor, index: index)
        case .dModelMismatch(let path, let expected, let got): return .dModelMismatch(path: fix(path), expected: expected, got: got)
        case .fingerprintMismatch(let path, let expected, let got):
            return .fingerprintMismatch(path: fix(path), expected: expected, got: got)
        case .albumHashMismatch(let path, let album, let expected, let got):
            return .albumHashMismatch(path: fix(path), album: album, expected: expected, got: got)
        case .subspaceHashMismatch(let path, let subspace, let expected, let got):
            return .subspaceHashMismatch(path: fix(path), subspace: subspace, expected: expected, got: got)
        case .unrecognisedArtifact(let path, let reason): return .unrecognisedArtifact(path: fix(path), reason: fixText(reason))
        case .writeFailed(let path, let reason): return .writeFailed(path: fix(path), reason: fixText(reason))
        case .missingAlbum, .missingSubspace, .invalidName, .unknownTask, .albumInUse, .subspaceInUse, .badInput, .inputTooLong: return self
        }
    }
}
