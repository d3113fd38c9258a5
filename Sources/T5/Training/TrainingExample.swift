// One teacher-forced training example as T5 takes it: the encoder input (optional soft-prompt rows + token ids) and
// the target ids, with transformers' `labels` semantics: decoder input = [start] + labels[:-1] (-100 → pad), and
// positions labelled -100 are left out of the loss.

/// An encoder row and its target ids.
public struct TrainingExample: @unchecked Sendable {
    /// transformers' ignore_index: a label that takes no part in the loss.
    public static let ignoredLabel: Int32 = -100

    /// `[P ; E[X]]`: the prompt rows (if any) and the token ids.
    public var input: EncoderRow
    /// Target ids (`</s>` included when the caller wants it); -100 marks an ignored position.
    public var labels: [Int32]

    public init(input: EncoderRow, labels: [Int32]) {
        self.input = input
        self.labels = labels
    }

    /// HF `_shift_right`: [start] + labels[:-1], with ignored labels replaced by `pad`.
    func decoderInputs(start: Int32, pad: Int32) -> [Int32] {
        guard !labels.isEmpty else { return [] }
        return [start] + labels.dropLast().map { $0 == Self.ignoredLabel ? pad : $0 }
    }
}
