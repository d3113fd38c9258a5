// `task.json`: the manifest of a task artifact directory (docs/task-format.md is the normative description).
// Plain Codable, camelCase keys. Unknown keys are rejected so that a typo ("lables") fails loudly instead of being
// silently ignored.
import Foundation
import SafeTensors

/// What an artifact directory holds.
public enum TaskKind: String, Codable, Sendable {
    /// One (l, d) prompt: plain prompt tuning, SPoT, PEFT and T5X imports.
    case staticPrompt = "static"
    /// Snapshot Prompt Ensemble: task prompt + cross-task attention over a shared album.
    case spe
    /// A shared (M, l, d) album of source-prompt snapshots; not servable on its own.
    case album
    /// Intrinsic prompt tuning: z in a shared subspace, prompt Proj_b(z) computed once at load.
    case ipt
    /// A shared IPT subspace (the auto-encoder Proj, Proj_b); not servable on its own.
    case iptSubspace = "ipt-subspace"

    /// K static prompts of one task, scored together and combined (rank classification only).
    case ensemble

    /// Shared artifacts other tasks name (loaded before tasks, never served).
    public var isShared: Bool { self == .album || self == .iptSubspace }
}

/// How a task is decoded when the request does not say.
public enum DecodingMode: String, Codable, Sendable {
    /// Greedy generation.
    case greedy
    /// Rank classification: score every label, pick the most likely.
    case rank
}

/// Decoding defaults of a task.
public struct DecodingDefaults: Codable, Sendable, Equatable {
    public var mode: DecodingMode
    public var maxNewTokens: Int
    public init(mode: DecodingMode = .greedy, maxNewTokens: Int = 32) {
        self.mode = mode
        self.maxNewTokens = maxNewTokens
    }
}

/// Which base checkpoint an artifact was made for.
public struct BaseModelRef: Codable, Sendable, Equatable {
    /// `BaseModelInfo.fingerprint` of the checkpoint; nil skips the check (imports that carry no fingerprint).
    public var fingerprint: String?
    public var dModel: Int?
    public init(fingerprint: String? = nil, dModel: Int? = nil) {
        self.fingerprint = fingerprint
        self.dModel = dModel
    }
}

/// Max-pooling of the input embeddings for SPE.
public enum SPEPooling: String, Codable, Sendable {
    /// Max over the real tokens of the input, `</s>` included (spec §9 #7, the default).
    case max
    /// ATTEMPT parity: the pad embedding joins the max whenever the input is shorter than `maxInputTokens`,
    /// as it did when ATTEMPT padded every input to its max source length.
    case maxWithPad = "max-with-pad"
}

/// SPE-specific manifest section.
public struct SPESettings: Codable, Sendable, Equatable {
    /// Name of the album task this module was trained against.
    public var album: String
    /// Content hash of that album ("sha256:<hex>"); loading fails if the loaded album differs.
    public var albumHash: String
    /// Softmax temperature T; default d·e (spec §9 #6).
    public var temperature: Double?
    public var pooling: SPEPooling?
    /// ATTEMPT mode: P_task is an extra attention candidate (softmax over M+1).
    public var includeTaskInAttention: Bool?
    /// LayerNorm epsilon; default 1e-5 (torch.nn.LayerNorm).
    public var layerNormEpsilon: Double?
    public init(album: String, albumHash: String, temperature: Double? = nil, pooling: SPEPooling? = nil,
                includeTaskInAttention: Bool? = nil, layerNormEpsilon: Double? = nil) {
        self.album = album
        self.albumHash = albumHash
        self.temperature = temperature
        self.pooling = pooling
        self.includeTaskInAttention = includeTaskInAttention
        self.layerNormEpsilon = layerNormEpsilon
    }
}

/// One album entry's provenance.
public struct AlbumEntry: Codable, Sendable, Equatable {
    public var sourceTask: String
    /// Fraction of the source task's training at which the snapshot was taken (0.6, 0.8, 1.0).
    public var fraction: Double?
    /// Optimizer step of the snapshot.
    public var step: Int?
    public init(sourceTask: String, fraction: Double? = nil, step: Int? = nil) {
        self.sourceTask = sourceTask
        self.fraction = fraction
        self.step = step
    }
}

/// Album-specific manifest section.
public struct AlbumSettings: Codable, Sendable, Equatable {
    /// "sha256:<hex>" of the float32-LE bytes of the (M, l, d) `prompts` tensor.
    public var hash: String
    /// One entry per album prompt, in tensor order.
    public var entries: [AlbumEntry]
    public init(hash: String, entries: [AlbumEntry]) {
        self.hash = hash
        self.entries = entries
    }
}

/// IPT-task manifest section.
public struct IPTSettings: Codable, Sendable, Equatable {
    /// Name of the subspace artifact the task's z lives in.
    public var subspace: String
    /// Content hash of that subspace ("sha256:<hex>"); loading fails if the loaded subspace differs.
    public var subspaceHash: String
    public init(subspace: String, subspaceHash: String) {
        self.subspace = subspace
        self.subspaceHash = subspaceHash
    }
}

/// Subspace-specific manifest section.
public struct IPTSubspaceSettings: Codable, Sendable, Equatable {
    /// "sha256:<hex>" of the float32-LE bytes of the six tensors, in the file-format order.
    public var hash: String
    /// d_I, the length of z.
    public var intrinsicDim: Int
    /// H, the hidden width of Proj_b.
    public var hidden: Int
    /// Source tasks the subspace was found from (informational).
    public var sources: [String]?
    /// Weight of the reconstruction loss it was trained with (informational).
    public var alpha: Double?
    public init(hash: String, intrinsicDim: Int, hidden: Int, sources: [String]? = nil, alpha: Double? = nil) {
        self.hash = hash
        self.intrinsicDim = intrinsicDim
        self.hidden = hidden
        self.sources = sources
        self.alpha = alpha
    }
}

/// Where the static prompt of a `static` task comes from.
public enum PromptFormat: String, Codable, Sendable {
    /// `prompt.safetensors` with one tensor `prompt` (l, d).
    case album
    /// PEFT `adapter_config.json` + `adapter_model.safetensors` (PROMPT_TUNING or MULTITASK_PROMPT_TUNING).
    case peft
    /// A T5X / NumPy `.npy` file (l, d).
    case t5x
}

/// The parsed `task.json`.
public struct TaskManifest: Codable, Sendable, Equatable {
    /// Format tag; "album.task/1".
    public var format: String?
    public var name: String?
    public var kind: TaskKind
    /// Author's version label (free text, informational; the registry keeps its own revision numbers).
    public var version: String?
    public var description: String?
    public var baseModel: BaseModelRef?
    /// l; required for `spe`, checked against the tensors when present.
    public var promptLength: Int?
    /// Input template with `{field}` placeholders; default `{input}`.
    public var template: String?
    /// Label verbalizers (classification tasks).
    public var labels: [String]?
    public var decoding: DecodingDefaults?
    public var maxInputTokens: Int?
    /// Static tasks: where the prompt comes from; detected from the files when absent.
    public var promptFormat: PromptFormat?
    /// `.npy` file name for `t5x`; PEFT MPT task index for `peft`.
    public var promptFile: String?
    public var peftTaskId: Int?
    public var spe: SPESettings?
    public var album: AlbumSettings?
    public var ipt: IPTSettings?
    public var subspace: IPTSubspaceSettings?
    public var ensemble: EnsembleSettings?
    /// How `album train` produced the artifact (informational).
    public var training: TrainingMetadata?

    public static let formatTag = "album.task/1"
    public static let fileName = "task.json"

    public init(kind: TaskKind) {
        self.kind = kind
        self.format = Self.formatTag
    }

    /// Parses `data` (the contents of `path`).
    /// - Throws: `PromptsError.badManifest` naming the key that is wrong or unknown.
    public static func decode(_ data: Data, path: String) throws(PromptsError) -> TaskManifest {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw .badManifest(path: path, reason: "not JSON (\(error.localizedDescription))")
        }
        guard let dictionary = object as? [String: Any] else { throw .badManifest(path: path, reason: "not a JSON object") }
        let known: Set<String> = ["format", "name", "kind", "version", "description", "baseModel", "promptLength",
                                  "template", "labels", "decoding", "maxInputTokens", "promptFormat", "promptFile",
                                  "peftTaskId", "spe", "album", "ipt", "subspace", "ensemble", "training"]
        if let unknown = dictionary.keys.filter({ !known.contains($0) }).sorted().first {
            throw .badManifest(path: path, reason: "unknown key '\(unknown)'")
        }
        if let training = dictionary["training"] as? [String: Any],
           let unknown = training.keys.filter({ !TrainingMetadata.keys.contains($0) }).sorted().first {
            throw .badManifest(path: path, reason: "unknown key 'training.\(unknown)'")
        }
        if let ensemble = dictionary["ensemble"] as? [String: Any] {
            if let unknown = ensemble.keys.filter({ !EnsembleSettings.keys.contains($0) }).sorted().first {
                throw .badManifest(path: path, reason: "unknown key 'ensemble.\(unknown)'")
            }
            for (index, member) in ((ensemble["members"] as? [Any]) ?? []).enumerated() {
                if let member = member as? [String: Any],
                   let unknown = member.keys.filter({ !EnsembleSettings.memberKeys.contains($0) }).sorted().first {
                    throw .badManifest(path: path, reason: "unknown key 'ensemble.members[\(index)].\(unknown)'")
                }
            }
        }
        // Integer keys given 8.5, 1e30 or 2^64 are named here: the decoder would only say "not valid JSON".
        for keyPath in integerKeyPaths {
            for (key, value) in values(at: keyPath, in: dictionary) where value is NSNumber && CheckedSize.exactInteger(value) == nil {
                throw .badManifest(path: path, reason: "'\(key)' must be an integer within range, got \(value)")
            }
        }
        let manifest: TaskManifest
        do { manifest = try JSONDecoder().decode(TaskManifest.self, from: data) } catch let DecodingError.keyNotFound(key, _) {
            throw .badManifest(path: path, reason: "missing key '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw .badManifest(path: path, reason: "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'")
        } catch let DecodingError.dataCorrupted(context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw .badManifest(path: path, reason: "bad value at '\(key)': \(context.debugDescription)")
        } catch {
            throw .badManifest(path: path, reason: "\(error)")
        }
        if let format = manifest.format, format != formatTag {
            throw .badManifest(path: path, reason: "format '\(format)' is not supported (expected '\(formatTag)')")
        }
        if let l = manifest.promptLength, l <= 0 { throw .badManifest(path: path, reason: "promptLength must be positive") }
        if let limit = manifest.maxInputTokens, limit <= 0 { throw .badManifest(path: path, reason: "maxInputTokens must be positive") }
        if let labels = manifest.labels {
            if labels.isEmpty { throw .badManifest(path: path, reason: "labels is empty") }
            if Set(labels).count != labels.count { throw .badManifest(path: path, reason: "labels has duplicates") }
        }
        if let decoding = manifest.decoding {
            if decoding.maxNewTokens <= 0 { throw .badManifest(path: path, reason: "decoding.maxNewTokens must be positive") }
            if decoding.mode == .rank && manifest.labels == nil {
                throw .badManifest(path: path, reason: "decoding.mode 'rank' needs labels")
            }
        }
        if let template = manifest.template { _ = try InputTemplate(template, path: path) }
        if let file = manifest.promptFile, !isPlainFileName(file) {
            // One answer for every outside path, so that it tells nothing about which files exist.
            throw .badManifest(path: path, reason: "promptFile must be the name of a file in the task's own folder")
        }
        if let id = manifest.peftTaskId, id < 0 { throw .badManifest(path: path, reason: "peftTaskId must not be negative") }
        switch manifest.kind {
        case .spe:
            guard let spe = manifest.spe else { throw .badManifest(path: path, reason: "kind 'spe' needs an 'spe' section") }
            if (try? TaskStore.validate(name: spe.album)) == nil {
                throw .badManifest(path: path, reason: "spe.album must be the name of an album in the tasks directory")
            }
            if let t = spe.temperature, !(t > 0 && t.isFinite) { throw .badManifest(path: path, reason: "spe.temperature must be positive") }
            if let eps = spe.layerNormEpsilon, !(eps > 0 && eps.isFinite) { throw .badManifest(path: path, reason: "spe.layerNormEpsilon must be positive") }
        case .album:
            guard manifest.album != nil else { throw .badManifest(path: path, reason: "kind 'album' needs an 'album' section") }
        case .ipt:
            guard let ipt = manifest.ipt else { throw .badManifest(path: path, reason: "kind 'ipt' needs an 'ipt' section") }
            if (try? TaskStore.validate(name: ipt.subspace)) == nil {
                throw .badManifest(path: path, reason: "ipt.subspace must be the name of a subspace in the tasks directory")
            }
        case .iptSubspace:
            guard let subspace = manifest.subspace else {
                throw .badManifest(path: path, reason: "kind 'ipt-subspace' needs a 'subspace' section")
            }
            if subspace.intrinsicDim <= 0 { throw .badManifest(path: path, reason: "subspace.intrinsicDim must be positive") }
            if subspace.hidden <= 0 { throw .badManifest(path: path, reason: "subspace.hidden must be positive") }
            if manifest.promptLength == nil { throw .badManifest(path: path, reason: "kind 'ipt-subspace' needs promptLength") }
        case .ensemble:
            guard let ensemble = manifest.ensemble else { throw .badManifest(path: path, reason: "kind 'ensemble' needs an 'ensemble' section") }
            try ensemble.validate(path: path)
            // Members are combined over label scores: an ensemble classifies, it does not generate.
            if manifest.labels == nil { throw .badManifest(path: path, reason: "kind 'ensemble' needs labels (ensembles serve rank classification)") }
            if manifest.decoding?.mode == .greedy {
                throw .badManifest(path: path, reason: "kind 'ensemble' serves rank classification; decoding.mode must be 'rank'")
            }
            if manifest.promptFormat != nil || manifest.promptFile != nil || manifest.peftTaskId != nil {
                throw .badManifest(path: path, reason: "kind 'ensemble' names its prompts in ensemble.members, not promptFormat/promptFile/peftTaskId")
            }
        case .staticPrompt:
            break
        }
        if manifest.kind != .spe && manifest.spe != nil { throw .badManifest(path: path, reason: "'spe' section on a \(manifest.kind.rawValue) artifact") }
        if manifest.kind != .ensemble && manifest.ensemble != nil { throw .badManifest(path: path, reason: "'ensemble' section on a \(manifest.kind.rawValue) artifact") }
        if manifest.kind != .album && manifest.album != nil { throw .badManifest(path: path, reason: "'album' section on a \(manifest.kind.rawValue) artifact") }
        if manifest.kind != .ipt && manifest.ipt != nil { throw .badManifest(path: path, reason: "'ipt' section on a \(manifest.kind.rawValue) artifact") }
        if manifest.kind != .iptSubspace && manifest.subspace != nil {
            throw .badManifest(path: path, reason: "'subspace' section on a \(manifest.kind.rawValue) artifact")
        }
        return manifest
    }

    /// A name that stays inside the folder it is resolved against: not empty, no separator, not "." or "..",
    /// no NUL, not hidden, at most 255 bytes.
    static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 255 && name != "." && name != ".." && !name.hasPrefix(".")
            && !name.contains("/") && !name.contains("\\") && !name.utf8.contains(0)
    }

    /// The manifest's integer keys ("[]" steps into every element of an array).
    static let integerKeyPaths: [[String]] = [
        ["promptLength"], ["maxInputTokens"], ["peftTaskId"], ["decoding", "maxNewTokens"], ["baseModel", "dModel"],
        ["album", "entries", "[]", "step"], ["subspace", "intrinsicDim"], ["subspace", "hidden"], ["training", "steps"], ["training", "examples"], ["training", "bestStep"],
    ]

    /// The raw JSON values at `keyPath` inside `root`, with their dotted names.
    private static func values(at keyPath: [String], in root: Any) -> [(String, Any)] {
        var current: [(String, Any)] = [("", root)]
        for key in keyPath {
            current = current.flatMap { (name, value) -> [(String, Any)] in
                if key == "[]" {
                    return ((value as? [Any]) ?? []).enumerated().map { ("\(name)[\($0.offset)]", $0.element) }
                }
                guard let next = (value as? [String: Any])?[key] else { return [] }
                return [(name.isEmpty ? key : "\(name).\(key)", next)]
            }
        }
        return current
    }

    /// Pretty, key-sorted JSON.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try! encoder.encode(self)
    }
}
