// Errors of the Prompts module: task artifacts, imports, validation, templating and the task registry.
// Every case names the file, task or tensor involved and, where there is one, the expected versus the actual value,
// so that a rejected upload tells its author exactly what to fix.

/// Everything that can go wrong while loading, validating, formatting or storing a task.
public enum PromptsError: Error, CustomStringConvertible, Equatable {
    /// A file could not be read or parsed (`path`, why).
    case unreadable(path: String, reason: String)
    /// `task.json` (or `adapter_config.json`) is malformed.
    case badManifest(path: String, reason: String)
    /// A tensor file lacks a tensor the manifest needs.
    case missingTensor(path: String, tensor: String)
    /// A tensor file holds tensors nothing would use.
    case unusedTensors(path: String, tensors: [String])
    /// A tensor has the wrong shape.
    case shapeMismatch(path: String, tensor: String, expected: [Int], got: [Int])
    /// A tensor is unusable for another reason: a zero-sized dimension, more prompt rows than the server allows.
    case badTensor(path: String, tensor: String, reason: String)
    /// A tensor holds NaN or infinity (first offending flat index).
    case nonFinite(path: String, tensor: String, index: Int)
    /// The artifact was made for a model of another width.
    case dModelMismatch(path: String, expected: Int, got: Int)
    /// The artifact was made for another base checkpoint.
    case fingerprintMismatch(path: String, expected: String, got: String)
    /// An album's content does not match its recorded hash, or an SPE task names another album version.
    case albumHashMismatch(path: String, album: String, expected: String, got: String)
    /// An SPE task names an album that is not loaded.
    case missingAlbum(task: String, album: String)
    /// A subspace's content does not match its recorded hash, or an IPT task names another subspace version.
    case subspaceHashMismatch(path: String, subspace: String, expected: String, got: String)
    /// An IPT task names a subspace that is not loaded.
    case missingSubspace(task: String, subspace: String)
    /// The operation would break IPT tasks that depend on a subspace.
    case subspaceInUse(subspace: String, tasks: [String])
    /// The directory holds no recognisable artifact.
    case unrecognisedArtifact(path: String, reason: String)
    /// A task or album name that cannot be used as a directory name.
    case invalidName(String, reason: String)
    /// No task (or album) of that name.
    case unknownTask(String)
    /// The operation would break tasks that depend on an album.
    case albumInUse(album: String, tasks: [String])
    /// Template / fields problems when formatting a request.
    case badInput(task: String, reason: String)
    /// The tokenized input is longer than the task allows.
    case inputTooLong(task: String, tokens: Int, limit: Int)
    /// Writing the tasks directory failed.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .badManifest(let path, let reason): "\(path): invalid manifest: \(reason)"
        case .missingTensor(let path, let tensor): "\(path): missing tensor '\(tensor)'"
        case .unusedTensors(let path, let tensors): "\(path): unexpected tensors \(tensors) (nothing would use them)"
        case .shapeMismatch(let path, let tensor, let expected, let got):
            "\(path): tensor '\(tensor)' has shape \(got), expected \(expected)"
        case .badTensor(let path, let tensor, let reason): "\(path): tensor '\(tensor)': \(reason)"
        case .nonFinite(let path, let tensor, let index): "\(path): tensor '\(tensor)' has a non-finite value at flat index \(index)"
        case .dModelMismatch(let path, let expected, let got):
            "\(path): artifact width d_model=\(got) does not match the loaded model's d_model=\(expected)"
        case .fingerprintMismatch(let path, let expected, let got):
            "\(path): made for base model \(got) but the loaded model is \(expected) (wrong checkpoint)"
        case .albumHashMismatch(let path, let album, let expected, let got):
            "\(path): album '\(album)' hash mismatch: expected \(expected), got \(got)"
        case .missingAlbum(let task, let album): "task '\(task)' needs album '\(album)', which is not loaded"
        case .subspaceHashMismatch(let path, let subspace, let expected, let got):
            "\(path): IPT subspace '\(subspace)' hash mismatch: expected \(expected), got \(got)"
        case .missingSubspace(let task, let subspace): "task '\(task)' needs IPT subspace '\(subspace)', which is not loaded"
        case .subspaceInUse(let subspace, let tasks): "IPT subspace '\(subspace)' is used by tasks \(tasks)"
        case .unrecognisedArtifact(let path, let reason): "\(path): not a task artifact: \(reason)"
        case .invalidName(let name, let reason): "invalid task name '\(name)': \(reason)"
        case .unknownTask(let name): "no task named '\(name)'"
        case .albumInUse(let album, let tasks): "album '\(album)' is used by tasks \(tasks)"
        case .badInput(let task, let reason): "task '\(task)': \(reason)"
        case .inputTooLong(let task, let tokens, let limit): "task '\(task)': input has \(tokens) tokens, limit is \(limit)"
        case .writeFailed(let path, let reason): "cannot write \(path): \(reason)"
        }
    }
}
