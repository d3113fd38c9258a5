// Loading an ensemble task's member prompts: each a plain file in the task folder (`.safetensors` holding one
// tensor `prompt`, or a `.npy`), (l, d) with d = the model's d_model, l within the server's limit, all members the
// same l, every value finite. The member count is bounded by `ArtifactLimits.maxEnsembleMembers` before any file
// is opened.
import Foundation
import Kernels

extension ArtifactLoader {
    /// The K member prompts of `settings`, each (l, d), in member order.
    /// - Throws: `PromptsError` naming the member file and what is wrong with it.
    static func ensembleMembers(_ settings: EnsembleSettings, in directory: URL, manifestPath: String,
                                model: BaseModelInfo, limits: ArtifactLimits) throws(PromptsError) -> [Tensor] {
        try settings.validate(path: manifestPath)
        guard settings.members.count <= limits.maxEnsembleMembers else {
            throw .badManifest(path: manifestPath, reason: "ensemble.members lists \(settings.members.count) prompts, more than the server's limit of \(limits.maxEnsembleMembers)")
        }
        let d = model.dModel
        var members: [Tensor] = []
        for member in settings.members {
            // A plain name (EnsembleSettings.validate), so the file is inside `directory`.
            let url = directory.appendingPathComponent(member.file)
            let prompt = try memberPrompt(url: url, file: member.file, dModel: d, limits: limits)
            if let first = members.first, first.shape != prompt.shape {
                throw .shapeMismatch(path: url.path, tensor: member.file, expected: first.shape, got: prompt.shape)
            }
            members.append(prompt)
        }
        return members
    }

    /// One member's (l, d) prompt.
    private static func memberPrompt(url: URL, file: String, dModel d: Int,
                                     limits: ArtifactLimits) throws(PromptsError) -> Tensor {
        if file.hasSuffix(".npy") {
            let prompt = try NumpyArray.read(url)
            guard prompt.rank == 2 else { throw .shapeMismatch(path: url.path, tensor: file, expected: [-1, d], got: prompt.shape) }
            if prompt.shape[1] != d { throw .dModelMismatch(path: url.path, expected: d, got: prompt.shape[1]) }
            if prompt.shape[0] == 0 { throw .badTensor(path: url.path, tensor: file, reason: "zero-sized dimension in shape \(prompt.shape)") }
            try limits.checkPromptLength(prompt.shape[0], path: url.path, tensor: file)
            try StrictTensorFile.checkFinite(prompt, path: url.path, name: file)
            return prompt
        }
        var tensors = try StrictTensorFile(url: url)
        if let shape = tensors.shape(of: "prompt"), shape.count == 2 {
            if shape[1] != d { throw .dModelMismatch(path: url.path, expected: d, got: shape[1]) }
            try limits.checkPromptLength(shape[0], path: url.path, tensor: "prompt")
        }
        let prompt = try tensors.take("prompt", shape: [nil, d])
        try tensors.assertAllTaken()
        return prompt
    }
}
