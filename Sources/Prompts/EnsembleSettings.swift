// The `ensemble` section of `task.json`: K static prompts of one task (e.g. prompt-tuning runs with different
// seeds) served together, each request scored under every member and the results combined (Lester et al. 2021,
// "prompt ensembling"). Member files are plain names inside the task folder (docs/task-format.md).
import Foundation

/// How an ensemble's members' label scores become one answer.
public enum EnsembleCombine: String, Codable, Sendable, CaseIterable {
    /// Majority of the members' argmax labels; ties broken by the summed log-probabilities.
    case vote
    /// Argmax of the per-label log-probabilities summed over the members.
    case sumLogprobs = "sum-logprobs"
}

/// One member prompt of an ensemble.
public struct EnsembleMember: Codable, Sendable, Equatable {
    /// File in the task folder: `.safetensors` with one tensor `prompt` (l, d), or a `.npy` (l, d).
    public var file: String
    /// Where the member came from (informational, e.g. the training run's folder).
    public var source: String?
    public init(file: String, source: String? = nil) {
        self.file = file
        self.source = source
    }
}

/// Ensemble-specific manifest section.
public struct EnsembleSettings: Codable, Sendable, Equatable {
    public var combine: EnsembleCombine
    /// The K member prompts, in member order (K ≥ 2, at most `ArtifactLimits.maxEnsembleMembers`).
    public var members: [EnsembleMember]
    public init(combine: EnsembleCombine, members: [EnsembleMember]) {
        self.combine = combine
        self.members = members
    }

    /// Keys of the section and of each member; anything else is rejected.
    static let keys: Set<String> = ["combine", "members"]
    static let memberKeys: Set<String> = ["file", "source"]
    /// Fewest members: one prompt is a static task.
    public static let minimumMembers = 2

    /// Throws `.badManifest` for a member list no folder could satisfy: too few, a name that is not a plain
    /// `.safetensors`/`.npy` file name in the folder, or a file listed twice. (The upper bound is a server limit,
    /// `ArtifactLimits.maxEnsembleMembers`.)
    func validate(path: String) throws(PromptsError) {
        if members.count < Self.minimumMembers {
            throw .badManifest(path: path, reason: "ensemble.members lists \(members.count) prompts; an ensemble needs at least \(Self.minimumMembers)")
        }
        var seen: Set<String> = []
        for (index, member) in members.enumerated() {
            // One answer for every outside path, so that it tells nothing about which files exist.
            guard TaskManifest.isPlainFileName(member.file), member.file != TaskManifest.fileName,
                  member.file.hasSuffix(".safetensors") || member.file.hasSuffix(".npy") else {
                throw .badManifest(path: path, reason: "ensemble.members[\(index)].file must be the name of a .safetensors or .npy file in the task's own folder")
            }
            if !seen.insert(member.file).inserted {
                throw .badManifest(path: path, reason: "ensemble.members[\(index)].file '\(member.file)' is listed twice")
            }
        }
    }
}
