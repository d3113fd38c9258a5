// What full-parameter model training learns from: supervised input → target pairs, or T5's span-corruption
// denoising over plain text (SpanCorruption.swift).

public enum ModelObjective: String, Sendable, CaseIterable {
    /// JSON lines {"input": …, "target": …}: teacher-forced cross-entropy of the target given the input.
    case seq2seq
    /// Plain text lines: each line is span-corrupted afresh every epoch (input with sentinels → the spans).
    case spanCorruption = "span-corruption"
}
