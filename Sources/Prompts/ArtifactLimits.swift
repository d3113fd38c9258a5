// The bounds an artifact must stay within to be served: prompt length (rows of P), and the manifest's decoding and
// input limits, which may not exceed the server's own. Checked at start-up and on every upload by ArtifactLoader,
// so that a file cannot make the first request allocate without bound.

/// Limits on what a task artifact may declare or hold.
public struct ArtifactLimits: Sendable, Equatable {
    /// Most prompt rows l (static prompts, SPE task prompts, album entries, PEFT `num_virtual_tokens`).
    public var maxPromptLength: Int
    /// Largest `maxInputTokens` a manifest may set (the server's input token limit).
    public var maxInputTokens: Int
    /// Largest `decoding.maxNewTokens` a manifest may set (the server's `max_new_tokens` limit).
    public var maxNewTokens: Int
    /// Most `labels` a manifest may list (the server's candidate limit: every label is scored per request).
    public var maxLabels: Int
    /// Most member prompts of an ensemble task (each request runs one encoder row per member).
    public var maxEnsembleMembers: Int

    public static let defaultMaxPromptLength = 1024
    public static let defaultMaxEnsembleMembers = 16

    public init(maxPromptLength: Int = ArtifactLimits.defaultMaxPromptLength, maxInputTokens: Int = 512,
                maxNewTokens: Int = 256, maxLabels: Int = 64,
                maxEnsembleMembers: Int = ArtifactLimits.defaultMaxEnsembleMembers) {
        self.maxPromptLength = maxPromptLength
        self.maxInputTokens = maxInputTokens
        self.maxNewTokens = maxNewTokens
        self.maxLabels = maxLabels
        self.maxEnsembleMembers = maxEnsembleMembers
    }

    /// Throws when the manifest at `path` declares more than these limits allow.
    func check(_ manifest: TaskManifest, path: String) throws(PromptsError) {
        if let l = manifest.promptLength, l > maxPromptLength {
            throw .badManifest(path: path, reason: "promptLength \(l) exceeds the server's limit of \(maxPromptLength)")
        }
        if let limit = manifest.maxInputTokens, limit > maxInputTokens {
            throw .badManifest(path: path, reason: "maxInputTokens \(limit) exceeds the server's limit of \(maxInputTokens)")
        }
        if let tokens = manifest.decoding?.maxNewTokens, tokens > maxNewTokens {
            throw .badManifest(path: path, reason: "decoding.maxNewTokens \(tokens) exceeds the server's limit of \(maxNewTokens)")
        }
        if let labels = manifest.labels, labels.count > maxLabels {
            throw .badManifest(path: path, reason: "\(labels.count) labels exceed the server's limit of \(maxLabels)")
        }
        if let members = manifest.ensemble?.members.count, members > maxEnsembleMembers {
            throw .badManifest(path: path, reason: "ensemble.members lists \(members) prompts, more than the server's limit of \(maxEnsembleMembers)")
        }
    }

    /// Throws when a prompt of `rows` rows (in `path`, tensor `tensor`) is longer than `maxPromptLength`.
    func checkPromptLength(_ rows: Int, path: String, tensor: String) throws(PromptsError) {
        if rows > maxPromptLength {
            throw .badTensor(path: path, tensor: tensor,
                             reason: "\(rows) prompt rows exceed the server's limit of \(maxPromptLength)")
        }
    }
}
