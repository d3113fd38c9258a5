// Dataset readers: JSON lines ({"input","target"} or {"fields","label"}) and GLUE-style TSV (columns by header
// name), the examples they yield, and the errors for malformed files, each naming the file and the 1-based line.
import Foundation
import Testing
import TestSupport
import Training

@Suite struct DatasetTests {
    /// Writes `bytes` to a fresh temporary file and runs `body` with its URL.
    @discardableResult
    private func withFile<T>(_ name: String, _ bytes: [UInt8], _ body: (URL) throws -> T) throws -> T {
        let directory = try Fixtures.temporaryDirectory("album-dataset")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return try body(url)
    }

    @discardableResult
    private func withFile<T>(_ name: String, _ text: String, _ body: (URL) throws -> T) throws -> T {
        try withFile(name, Array(text.utf8), body)
    }

    @Test func jsonLinesWithTextAndFields() throws {
        let text = """
            {"input": "sst2 sentence: a gripping film", "target": "positive", "idx": 3}

            {"fields": {"premise": "A man sleeps.", "hypothesis": "Nobody sleeps."}, "label": 2}\r
            {"fields": {"sentence1": "x", "sentence2": "y"}, "label": 3.8}
            {"fields": {"question": "why?"}, "label": "entailment"}

            """
        let dataset = try withFile("train.jsonl", text) { try Dataset.jsonLines($0) }
        #expect(dataset.count == 4)
        #expect(dataset.examples[0] == Example(source: .text("sst2 sentence: a gripping film"), target: "positive", line: 1))
        #expect(dataset.examples[1] == Example(source: .fields(["premise": "A man sleeps.", "hypothesis": "Nobody sleeps."]),
                                              target: "2", line: 3))
        #expect(dataset.examples[2].target == "3.8")
        #expect(dataset.examples[3] == Example(source: .fields(["question": "why?"]), target: "entailment", line: 5))
        #expect(dataset.lengths { $0.target.count } == [8, 1, 3, 10])
    }

    @Test(arguments: [
        ("{\"input\": \"a\", \"target\": \"b\"}\n{\"input\": \"c\"}\n", 2, "needs a string \"target\""),
        ("{\"input\": \"a\", \"target\": \"b\"}\n{not json}\n", 2, "invalid JSON"),
        ("[1, 2]\n", 1, "expected a JSON object"),
        ("{\"input\": 3, \"target\": \"b\"}\n", 1, "\"input\" must be a string"),
        ("{\"input\": \"a\", \"target\": \"b\", \"fields\": {}}\n", 1, "both \"input\" and \"fields\""),
        ("\n\n{\"fields\": {\"a\": \"x\"}, \"label\": true}\n", 3, "not a boolean"),
        ("{\"fields\": {\"a\": 1}, \"label\": \"x\"}\n", 1, "field \"a\" must be a string"),
        ("{\"fields\": {\"a\": \"x\"}}\n", 1, "needs a \"label\""),
        ("{\"fields\": {\"a\": \"x\"}, \"label\": null}\n", 1, "\"label\" must be a string or a number"),
        ("{\"text\": \"a\", \"label\": \"b\"}\n", 1, "expected \"input\"/\"target\" or \"fields\"/\"label\""),
    ])
    func malformedJSONLinesNameFileAndLine(text: String, line: Int, reason: String) throws {
        try withFile("bad.jsonl", text) { url in
            do {
                _ = try Dataset.jsonLines(url)
                Issue.record("expected an error for line \(line)")
            } catch let error as TrainingError {
                guard case .malformedLine(let file, let badLine, let message) = error else {
                    Issue.record("unexpected error \(error)")
                    return
                }
                #expect(file == url.path)
                #expect(badLine == line)
                #expect(message.contains(reason), "message '\(message)' should mention '\(reason)'")
                #expect(error.description.hasPrefix("\(url.path):\(line): "))
            } catch {
                Issue.record("unexpected error type \(error)")
            }
        }
    }

    @Test func invalidUTF8EmptyAndMissingFiles() throws {
        try withFile("bytes.jsonl", Array("{\"input\": \"a\", \"target\": \"b\"}\n".utf8) + [0xFF, 0xFE, 0x0A]) { url in
            #expect(throws: TrainingError.malformedLine(file: url.path, line: 2, reason: "not valid UTF-8")) {
                try Dataset.jsonLines(url)
            }
        }
        try withFile("empty.jsonl", "\n  \n") { url in
            #expect(throws: TrainingError.emptyDataset(file: url.path)) { try Dataset.jsonLines(url) }
        }
        let missing = URL(fileURLWithPath: "/nonexistent-album-dir/train.jsonl")
        #expect {
            try Dataset.jsonLines(missing)
        } throws: { error in
            guard case .unreadableFile(let path, _) = error as? TrainingError else { return false }
            return path == missing.path
        }
    }

    @Test func tsvColumnsByName() throws {
        let text = "index\tsentence1\tsentence2\tlabel\n0\tA dog runs.\tAn animal moves.\tentailment\r\n\n1\tIt rains.\tIt is dry.\tcontradiction\n"
        let fields = try withFile("dev.tsv", text) {
            try Dataset.tsv($0, columns: .fields(["sentence1", "sentence2"], label: "label"))
        }
        #expect(fields.examples == [
            Example(source: .fields(["sentence1": "A dog runs.", "sentence2": "An animal moves."]), target: "entailment", line: 2),
            Example(source: .fields(["sentence1": "It rains.", "sentence2": "It is dry."]), target: "contradiction", line: 4),
        ])
        let renamed = try withFile("dev.tsv", text) {
            try Dataset.tsv($0, columns: TSVColumns(source: .fields(["premise": "sentence1"]), label: "index"))
        }
        #expect(renamed.examples[1] == Example(source: .fields(["premise": "It rains."]), target: "1", line: 4))
        let plain = try withFile("dev.tsv", text) { try Dataset.tsv($0, columns: .text("sentence2", label: "label")) }
        #expect(plain.examples.map(\.source) == [.text("An animal moves."), .text("It is dry.")])
    }

    @Test func tsvErrors() throws {
        try withFile("train.tsv", "sentence\tlabel\nfine\t1\ntoo\tmany\tfields\n") { url in
            #expect(throws: TrainingError.malformedLine(file: url.path, line: 3,
                                                        reason: "expected 2 tab-separated fields, found 3")) {
                try Dataset.tsv(url, columns: .text("sentence", label: "label"))
            }
            #expect(throws: TrainingError.missingColumn(file: url.path, column: "gold", header: ["sentence", "label"])) {
                try Dataset.tsv(url, columns: .text("sentence", label: "gold"))
            }
        }
        try withFile("header-only.tsv", "sentence\tlabel\n") { url in
            #expect(throws: TrainingError.emptyDataset(file: url.path)) {
                try Dataset.tsv(url, columns: .text("sentence", label: "label"))
            }
        }
    }
}
