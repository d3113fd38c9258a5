// Text examples → token ids as the task will see them at serving time: the task template filled with the example's
// fields (or its ready input text), tokenized with the model's tokenizer (`</s>` appended), truncated to a maximum
// source length keeping `</s>` (HF tokenizer truncation); the target is the label verbalizer or the target text.
import Prompts
import Tokenization

/// One tokenized example.
public struct EncodedExample: Sendable, Equatable {
    /// Input ids, `</s>` last, at most the max source length.
    public var input: [Int32]
    /// Target ids, `</s>` last.
    public var target: [Int32]
    /// The target text (after verbalising a class id), for metrics.
    public var targetText: String
    /// Which target task it belongs to (multi-target SPE training; 0 otherwise).
    public var task: Int = 0
}

public struct ExampleEncoder: Sendable {
    public let tokenizer: Tokenizer
    /// The task's input template; nil takes the example's text as it is.
    public let template: InputTemplate?
    /// Label verbalizers: a target that is a class index ("0", "1", …) becomes labels[index].
    public let labels: [String]?
    /// Longest input in tokens (`</s>` included); longer inputs are truncated.
    public let maxSourceLength: Int

    public init(tokenizer: Tokenizer, template: InputTemplate?, labels: [String]?, maxSourceLength: Int) {
        self.tokenizer = tokenizer
        self.template = template
        self.labels = labels
        self.maxSourceLength = max(1, maxSourceLength)
    }

    /// The input text of `example` (the template filled with its fields or its text).
    /// - Throws: `TrainingError.malformedLine` when the fields do not fit the template.
    public func inputText(_ example: Example, file: String) throws(TrainingError) -> String {
        switch example.source {
        case .text(let text):
            // Ready input text; only a template whose sole field is {input} wraps it.
            guard let template, template.fields == ["input"] else { return text }
            do { return try template.fill(text: text, fields: nil, task: "training") } catch {
                throw .malformedLine(file: file, line: example.line, reason: "\(error)")
            }
        case .fields(let fields):
            guard let template else {
                throw .malformedLine(file: file, line: example.line,
                                     reason: "an example with fields needs a template (--template or a task.json)")
            }
            do { return try template.fill(text: nil, fields: fields, task: "training") } catch {
                throw .malformedLine(file: file, line: example.line, reason: "\(error)")
            }
        }
    }

    /// The target text: labels[i] for a class index i when labels are given, else the target as it is.
    public func targetText(_ example: Example, file: String) throws(TrainingError) -> String {
        guard let labels, !labels.contains(example.target) else { return example.target }
        guard let index = Int(example.target) else {
            throw .malformedLine(file: file, line: example.line,
                                 reason: "label \"\(example.target)\" is neither one of \(labels) nor a class index")
        }
        guard labels.indices.contains(index) else {
            throw .malformedLine(file: file, line: example.line,
                                 reason: "class index \(index) is outside the \(labels.count) labels \(labels)")
        }
        return labels[index]
    }

    /// Tokenizes one example.
    /// - Throws: `TrainingError.malformedLine` for fields that do not fit the template, an unknown label or an
    ///   empty input or target.
    public func encode(_ example: Example, file: String) throws(TrainingError) -> EncodedExample {
        var input = tokenizer.encode(try inputText(example, file: file))
        if input.count > maxSourceLength, let last = input.last {
            input = Array(input.prefix(maxSourceLength - 1)) + [last]
        }
        let text = try targetText(example, file: file)
        let target = tokenizer.encode(text)
        guard !input.isEmpty, !target.isEmpty else {
            throw .malformedLine(file: file, line: example.line, reason: "empty input or target after tokenization")
        }
        return EncodedExample(input: input, target: target, targetText: text)
    }

    /// Every example of `dataset`, tokenized.
    public func encode(_ dataset: Dataset) throws(TrainingError) -> [EncodedExample] {
        var out: [EncodedExample] = []
        out.reserveCapacity(dataset.count)
        for example in dataset.examples { out.append(try encode(example, file: dataset.file)) }
        return out
    }
}
