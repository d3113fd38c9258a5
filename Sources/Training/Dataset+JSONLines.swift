// Reading a dataset from JSON lines: one object per line, either {"input": "...", "target": "..."} or
// {"fields": {"name": "value", ...}, "label": ...} (a string, or a number written out in decimal, as GLUE's
// integer class ids are). Other keys are ignored; blank lines are skipped; anything else is an error naming the
// file and the line.
import Foundation

extension Dataset {
    /// Reads JSON lines from `url`.
    /// - Throws: `TrainingError.unreadableFile`, `.malformedLine(file:line:reason:)`, `.emptyDataset`.
    public static func jsonLines(_ url: URL) throws(TrainingError) -> Dataset {
        var examples: [Example] = []
        for (number, text) in try lines(of: url) where !text.allSatisfy(\.isWhitespace) {
            do {
                examples.append(try example(from: text, line: number))
            } catch let reason as LineError {
                throw .malformedLine(file: url.path, line: number, reason: reason.message)
            } catch {
                throw .malformedLine(file: url.path, line: number, reason: "invalid JSON: \(error.localizedDescription)")
            }
        }
        guard !examples.isEmpty else { throw .emptyDataset(file: url.path) }
        return Dataset(file: url.path, examples: examples)
    }

    private struct LineError: Error {
        let message: String
    }

    private static func example(from text: String, line: Int) throws -> Example {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw LineError(message: "expected a JSON object")
        }
        let hasInput = object["input"] != nil, hasFields = object["fields"] != nil
        if hasInput && hasFields { throw LineError(message: "has both \"input\" and \"fields\"") }
        if hasInput {
            guard let input = object["input"] as? String else { throw LineError(message: "\"input\" must be a string") }
            guard let target = object["target"] as? String else {
                throw LineError(message: "\"input\" needs a string \"target\"")
            }
            return Example(source: .text(input), target: target, line: line)
        }
        if hasFields {
            guard let raw = object["fields"] as? [String: Any] else {
                throw LineError(message: "\"fields\" must be an object of strings")
            }
            var fields: [String: String] = [:]
            for (name, value) in raw {
                guard let string = value as? String else {
                    throw LineError(message: "field \"\(name)\" must be a string")
                }
                fields[name] = string
            }
            guard let labelValue = object["label"] else { throw LineError(message: "\"fields\" needs a \"label\"") }
            return Example(source: .fields(fields), target: try label(labelValue), line: line)
        }
        throw LineError(message: "expected \"input\"/\"target\" or \"fields\"/\"label\"")
    }

    /// A label as text: strings as they are, integers in decimal ("1"), other numbers in Swift's shortest
    /// round-trip form ("3.8"); booleans and null are errors.
    private static func label(_ value: Any) throws -> String {
        if let string = value as? String { return string }
        if let number = value as? NSNumber, !(number is NSDecimalNumber) {
            switch String(cString: number.objCType) {
            case "c", "B": throw LineError(message: "\"label\" must be a string or a number, not a boolean")
            case "d", "f": return "\(number.doubleValue)"
            default: return "\(number.int64Value)"
            }
        }
        throw LineError(message: "\"label\" must be a string or a number")
    }
}
