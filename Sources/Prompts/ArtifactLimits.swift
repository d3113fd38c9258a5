// The bounds an artifact must stay within to be served: prompt length (rows of P), and the manifest's decoding and
// input limits, which may not exceed the server's own. Checked at start-up and on every upload by ArtifactLoader,
// so that a file cannot make the first request allocate without bound.
import SafeTensors

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
    /// Largest IPT intrinsic dimension d_I and hidden width H a subspace may declare.
    public var maxSubspaceDimension: Int
    /// Most floats the tensors of one IPT subspace may hold (the n·d × H output layer dominates).
    public var maxSubspaceFloats: Int
    /// Most member prompts of an ensemble task (each request runs one encoder row per member).
    public var maxEnsembleMembers: Int

    public static let defaultMaxPromptLength = 1024
    public static let defaultMaxEnsembleMembers = 16

    public init(maxPromptLength: Int = ArtifactLimits.defaultMaxPromptLength, maxInputTokens: Int = 512,
                maxNewTokens: Int = 256, maxLabels: Int = 64, maxSubspaceDimension: Int = 8192,
                maxSubspaceFloats: Int = 1 << 28, maxEnsembleMembers: Int = ArtifactLimits.defaultMaxEnsembleMembers) {
        self.maxPromptLength = maxPromptLength
        self.maxInputTokens = maxInputTokens
        self.maxNewTokens = maxNewTokens
        self.maxLabels = maxLabels
        self.maxSubspaceDimension = maxSubspaceDimension
        self.maxSubspaceFloats = maxSubspaceFloats
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

    /// Throws unless a subspace of n prompt rows of width d, code size d_I and hidden width H stays within the limits.
    /// - Returns: n·d, the length of vec(P).
    func checkSubspace(promptLength n: Int, dModel d: Int, intrinsicDim di: Int, hidden h: Int,
                       path: String) throws(PromptsError) -> Int {
        if n > maxPromptLength { throw .badManifest(path: path, reason: "promptLength \(n) exceeds the server's limit of \(maxPromptLength)") }
        for (key, value) in [("subspace.intrinsicDim", di), ("subspace.hidden", h)] where value > maxSubspaceDimension {
            throw .badManifest(path: path, reason: "\(key) \(value) exceeds the server's limit of \(maxSubspaceDimension)")
        }
        // W1 (d_I, n·d) + b1 + W2 (H, d_I) + b2 + W3 (n·d, H) + b3, every step overflow-checked.
        var total: Int? = nil
        if let flat = CheckedSize.elementCount([n, d]), let w1 = CheckedSize.elementCount([di, flat]),
           let w2 = CheckedSize.elementCount([h, di]), let w3 = CheckedSize.elementCount([flat, h]) {
            total = 0
            for count in [w1, di, w2, h, w3, flat] { total = total.flatMap { CheckedSize.sum($0, count) } }
        }
        guard let total, total <= maxSubspaceFloats, let flat = CheckedSize.elementCount([n, d]) else {
            throw .badManifest(path: path, reason: "a subspace of promptLength \(n), d_model \(d), intrinsicDim \(di) and hidden \(h) exceeds the server's limit of \(maxSubspaceFloats) floats")
        }
        return flat
    }
}
