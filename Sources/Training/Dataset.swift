// A list of text examples read from one file (JSON lines or GLUE-style TSV, see Dataset+JSONLines.swift and
// Dataset+TSV.swift). The dataset yields text only; lengths for length-grouped batching come from tokenising the
// examples elsewhere (`lengths(_:)` is the hook).
import Foundation

public struct Dataset: Sendable {
    /// Where the examples came from (a path, for messages).
    public let file: String
    public let examples: [Example]

    public init(file: String, examples: [Example]) {
        self.file = file
        self.examples = examples
    }

    public var count: Int { examples.count }

    /// The length of every example under `measure` (e.g. its token count after truncation), for `BatchSampler`.
    public func lengths(_ measure: (Example) throws -> Int) rethrows -> [Int] {
        try examples.map(measure)
    }

    /// The file's lines as (1-based number, text), without line terminators ("\n" or "\r\n").
    /// - Throws: `TrainingError.unreadableFile`, or `.malformedLine` for a line that is not UTF-8.
    static func lines(of url: URL) throws(TrainingError) -> [(number: Int, text: String)] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        var lines: [(number: Int, text: String)] = []
        var number = 0
        for var bytes in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw .malformedLine(file: url.path, line: number, reason: "not valid UTF-8")
            }
            lines.append((number, text))
        }
        return lines
    }
}
