// Import of PEFT prompt-learning adapters (spec §4): `adapter_config.json` + `adapter_model.safetensors`.
// PROMPT_TUNING stores `prompt_embeddings` (l·s, d) where s = num_transformer_submodules (2 by default for
// SEQ_2_SEQ_LM); only rows [0, l) reach the encoder (peft_model.py forward/generate). MULTITASK_PROMPT_TUNING is
// precomputed for one task t: P_t = prompt_embeddings ⊙ (prefix_task_cols[t] @ prefix_task_rows[t]), rows [0, l).
import Foundation
import Kernels
import SafeTensors

/// A parsed PEFT `adapter_config.json` (the keys Album needs; PEFT itself ignores unknown keys, and so do we).
public struct PEFTAdapterConfig: Sendable, Equatable {
    public enum PEFTType: String, Sendable { case promptTuning = "PROMPT_TUNING", multitaskPromptTuning = "MULTITASK_PROMPT_TUNING" }
    public let peftType: PEFTType
    public let numVirtualTokens: Int
    public let tokenDim: Int?
    /// Resolved as PEFT does: null means 2 for SEQ_2_SEQ_LM, else 1.
    public let numTransformerSubmodules: Int
    public let taskType: String?
    public let baseModelNameOrPath: String?
    public let numTasks: Int?

    public static let fileName = "adapter_config.json"
    public static let weightsName = "adapter_model.safetensors"

    /// Parses `adapter_config.json` at `url`.
    /// - Throws: `PromptsError.badManifest` for a missing/unsupported `peft_type` or bad sizes.
    public init(url: URL) throws(PromptsError) {
        let path = url.path
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadable(path: path, reason: error.localizedDescription) }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw .badManifest(path: path, reason: "not a JSON object")
        }
        guard let typeName = object["peft_type"] as? String else { throw .badManifest(path: path, reason: "missing 'peft_type'") }
        guard let type = PEFTType(rawValue: typeName) else {
            throw .badManifest(path: path, reason: "peft_type '\(typeName)' is not supported (PROMPT_TUNING, MULTITASK_PROMPT_TUNING)")
        }
        func int(_ key: String) throws(PromptsError) -> Int? {
            guard let value = object[key], !(value is NSNull) else { return nil }
            guard let exact = CheckedSize.exactInteger(value), exact > 0 else {
                throw .badManifest(path: path, reason: "'\(key)' must be a positive integer")
            }
            return exact
        }
        guard let l = try int("num_virtual_tokens") else { throw .badManifest(path: path, reason: "missing 'num_virtual_tokens'") }
        peftType = type
        numVirtualTokens = l
        tokenDim = try int("token_dim")
        taskType = object["task_type"] as? String
        numTransformerSubmodules = try int("num_transformer_submodules") ?? (taskType == "SEQ_2_SEQ_LM" ? 2 : 1)
        baseModelNameOrPath = object["base_model_name_or_path"] as? String
        numTasks = try int("num_tasks")
        // PEFT stores one copy of the prompt per transformer submodule: 1 (encoder) or 2 (encoder and decoder).
        guard numTransformerSubmodules <= 2 else {
            throw .badManifest(path: path, reason: "'num_transformer_submodules' must be 1 or 2, got \(numTransformerSubmodules)")
        }
        guard taskType == nil || taskType == "SEQ_2_SEQ_LM" else {
            throw .badManifest(path: path, reason: "task_type '\(taskType!)' is not a seq2seq adapter (expected SEQ_2_SEQ_LM)")
        }
    }

    /// Reads the adapter's encoder prompt (l, d) from `weights`, for MPT task `taskId`.
    /// - Throws: shape, finiteness and unused-tensor errors naming the file.
    func encoderPrompt(weights url: URL, dModel: Int, taskId: Int?, limits: ArtifactLimits,
                       warnings: inout [String]) throws(PromptsError) -> Tensor {
        let l = numVirtualTokens
        // Bounded before any size is derived from it (num_virtual_tokens = 2^62 must not overflow below).
        try limits.checkPromptLength(l, path: url.path, tensor: "prompt_embeddings")
        var file = try StrictTensorFile(url: url)
        let total = l * numTransformerSubmodules  // L_tot rows stored; ≤ 2 · maxPromptLength
        if let tokenDim, tokenDim != dModel { throw .dModelMismatch(path: url.path, expected: dModel, got: tokenDim) }
        let embeddings = try file.take("prompt_embeddings", shape: [total, dModel])  // (L_tot, d)
        let prompt = Tensor(uninitialized: [l, dModel])  // (l, d)
        switch peftType {
        case .promptTuning:
            prompt.data.update(from: embeddings.data, count: l * dModel)
        case .multitaskPromptTuning:
            guard let colShape = file.shape(of: "prefix_task_cols"), colShape.count == 3 else {
                throw .missingTensor(path: url.path, tensor: "prefix_task_cols")
            }
            let (tasks, ranks) = (colShape[0], colShape[2])
            let cols = try file.take("prefix_task_cols", shape: [tasks, total, ranks])  // (T, L_tot, r)
            let rows = try file.take("prefix_task_rows", shape: [tasks, ranks, dModel])  // (T, r, d)
            let t: Int
            if let taskId {
                guard taskId >= 0 && taskId < tasks else {
                    throw .badManifest(path: url.path, reason: "peftTaskId \(taskId) is out of range for \(tasks) tasks")
                }
                t = taskId
            } else {
                guard tasks == 1 else {
                    throw .badManifest(path: url.path, reason: "the adapter holds \(tasks) tasks: set peftTaskId in task.json")
                }
                t = 0
            }
            if numTransformerSubmodules != 1 {
                warnings.append("MPT adapter has num_transformer_submodules=\(numTransformerSubmodules); PEFT's forward also prefixes the decoder, generate() does not; Album uses the encoder prompt only (rows 0..<\(l))")
            }
            // P_t[i, :] = emb[i, :] * Σ_k cols[t, i, k] · rows[t, k, :]   for i in [0, l)
            for i in 0..<l {
                let out = prompt.data + i * dModel
                out.initialize(repeating: 0, count: dModel)
                for k in 0..<ranks {
                    let c = cols.data[(t * total + i) * ranks + k]
                    let r = rows.data + (t * ranks + k) * dModel
                    for j in 0..<dModel { out[j] += c * r[j] }
                }
                let e = embeddings.data + i * dModel
                for j in 0..<dModel { out[j] *= e[j] }
            }
        }
        try file.assertAllTaken()
        return prompt
    }
}

/// Export of a static prompt as a PEFT PROMPT_TUNING adapter, loadable with `PeftModel.from_pretrained`.
public enum PEFTExport {
    /// Writes `adapter_config.json` and `adapter_model.safetensors` for `prompt` (l, d) into `directory`
    /// (created if needed). `num_transformer_submodules` is 1, so exactly the l encoder rows are stored.
    /// - Throws: `PromptsError.writeFailed` naming the file.
    public static func write(prompt: Tensor, baseModelNameOrPath: String?, to directory: URL) throws(PromptsError) {
        precondition(prompt.rank == 2, "prompt must be (l, d), got \(prompt.shape)")
        let (l, d) = (prompt.shape[0], prompt.shape[1])
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw .writeFailed(path: directory.path, reason: error.localizedDescription)
        }
        let config: [String: Any] = [
            "auto_mapping": NSNull(), "base_model_name_or_path": baseModelNameOrPath ?? NSNull(), "inference_mode": true,
            "modules_to_save": NSNull(), "num_attention_heads": NSNull(), "num_layers": NSNull(),
            "num_transformer_submodules": 1, "num_virtual_tokens": l, "peft_type": "PROMPT_TUNING",
            "prompt_tuning_init": "RANDOM", "prompt_tuning_init_text": NSNull(), "revision": NSNull(),
            "task_type": "SEQ_2_SEQ_LM", "token_dim": d, "tokenizer_kwargs": NSNull(), "tokenizer_name_or_path": NSNull(),
        ]
        let json = try! JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        try ArtifactWriter.writeTensors([("prompt_embeddings", prompt)], metadata: ["format": "pt"],
                                        to: directory.appendingPathComponent(PEFTAdapterConfig.weightsName))
        try ArtifactWriter.writeFile(json, to: directory.appendingPathComponent(PEFTAdapterConfig.fileName))
    }
}
