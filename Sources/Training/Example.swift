// One training example as text: either a ready input string or named fields for a task template, and the target
// text. Tokenisation (and truncation to a max source length) happens later, in the trainer's tokenizer step.

public struct Example: Sendable, Equatable {
    /// What the encoder input is made from.
    public enum Source: Sendable, Equatable {
        /// The formatted input text ("input" in JSON lines).
        case text(String)
        /// Named fields that a task template formats ("fields" in JSON lines, chosen TSV columns).
        case fields([String: String])
    }

    public var source: Source
    /// The target text ("target" or "label").
    public var target: String
    /// 1-based line of the file it came from, for messages.
    public var line: Int

    public init(source: Source, target: String, line: Int) {
        self.source = source
        self.target = target
        self.line = line
    }
}
