// The token sequences full-parameter training reads: (input, target) pairs from JSON lines (Dataset+JSONLines.swift,
// {"input", "target"} only) tokenised with `</s>` appended as transformers' T5 tokenizer does, or plain text lines
// tokenised without `</s>` for span corruption (which appends it itself). Long sequences are truncated, keeping
// `</s>` last (the tokenizer's truncation=True).
import Foundation
import Tokenization

public struct ModelTrainingData: Sendable {
    public let objective: ModelObjective
    /// seq2seq: the encoder input ids (with `</s>`); span corruption: the line's ids (without `</s>`).
    public let inputs: [[Int32]]
    /// seq2seq: the target ids (with `</s>`); empty for span corruption.
    public let targets: [[Int32]]
    /// Span corruption: `sentinels[k]` is the id of `<extra_id_k>`.
    public let sentinels: [Int32]
    public let eos: Int32

    public var count: Int { inputs.count }

    public init(objective: ModelObjective, inputs: [[Int32]], targets: [[Int32]], sentinels: [Int32], eos: Int32) {
        self.objective = objective
        self.inputs = inputs
        self.targets = targets
        self.sentinels = sentinels
        self.eos = eos
    }

    /// Reads and tokenises `url`; inputs are cut to `maxInputLength` tokens and targets to `maxTargetLength`.
    /// - Throws: `TrainingError.unreadableFile`, `.malformedLine`, `.emptyDataset`; `.invalidHyperparameter` when
    ///   the tokenizer has no `</s>`, or, for span corruption, no `<extra_id_0>`.
    public static func load(_ url: URL, objective: ModelObjective, tokenizer: Tokenizer, maxInputLength: Int = 512,
                            maxTargetLength: Int = 512) throws(TrainingError) -> ModelTrainingData {
        for (name, value) in [("max input length", maxInputLength), ("max target length", maxTargetLength)] where value < 2 {
            throw .invalidHyperparameter(name: name, value: "\(value)", reason: "must be ≥ 2")
        }
        guard let eos = tokenizer.eosTokenID else {
            throw .invalidHyperparameter(name: "tokenizer", value: "</s>", reason: "the tokenizer has no end-of-sequence token")
        }
        switch objective {
        case .seq2seq:
            var inputs: [[Int32]] = [], targets: [[Int32]] = []
            for example in try Dataset.jsonLines(url).examples {
                guard case .text(let input) = example.source else {
                    throw .malformedLine(file: url.path, line: example.line, reason: "model training needs \"input\" text, not \"fields\"")
                }
                inputs.append(truncate(tokenizer.encode(input), to: maxInputLength, eos: eos))
                targets.append(truncate(tokenizer.encode(example.target), to: maxTargetLength, eos: eos))
            }
            return ModelTrainingData(objective: objective, inputs: inputs, targets: targets, sentinels: [], eos: eos)
        case .spanCorruption:
            var sentinels: [Int32] = []
            while let id = tokenizer.id(of: "<extra_id_\(sentinels.count)>") { sentinels.append(id) }
            guard !sentinels.isEmpty else {
                throw .invalidHyperparameter(name: "tokenizer", value: "<extra_id_0>", reason: "span corruption needs sentinel tokens")
            }
            var lines: [[Int32]] = []
            for (_, text) in try Dataset.lines(of: url) where !text.allSatisfy(\.isWhitespace) {
                let ids = tokenizer.encode(text, addSpecialTokens: false)
                if ids.count >= 2 { lines.append(Array(ids.prefix(maxInputLength - 1))) }
            }
            guard !lines.isEmpty else { throw .emptyDataset(file: url.path) }
            return ModelTrainingData(objective: objective, inputs: lines, targets: [], sentinels: sentinels, eos: eos)
        }
    }

    /// `ids` cut to `length` tokens, the last one `eos` when `ids` ended with it.
    static func truncate(_ ids: [Int32], to length: Int, eos: Int32) -> [Int32] {
        guard ids.count > length else { return ids }
        return ids.last == eos ? Array(ids.prefix(length - 1)) + [eos] : Array(ids.prefix(length))
    }
}
