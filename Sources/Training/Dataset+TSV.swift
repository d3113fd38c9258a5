// Reading a dataset from a GLUE-style TSV file: a header row of column names, then one example per line with exactly
// as many tab-separated fields, no quoting (csv.QUOTE_NONE, as the GLUE loaders read these files). Blank lines are
// skipped; a wrong field count or a missing column is an error naming the file and the line.
import Foundation

extension Dataset {
    /// Reads `url` taking the columns in `columns`.
    /// - Throws: `TrainingError.unreadableFile`, `.missingColumn`, `.malformedLine(file:line:reason:)`,
    ///   `.emptyDataset`.
    public static func tsv(_ url: URL, columns: TSVColumns) throws(TrainingError) -> Dataset {
        let lines = try lines(of: url).filter { !$0.text.isEmpty }
        guard let header = lines.first else { throw .emptyDataset(file: url.path) }
        let names = header.text.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        var position: [String: Int] = [:]
        for (index, name) in names.enumerated() where position[name] == nil { position[name] = index }
        func index(_ column: String) throws(TrainingError) -> Int {
            guard let index = position[column] else {
                throw .missingColumn(file: url.path, column: column, header: names)
            }
            return index
        }
        let labelIndex = try index(columns.label)
        let textIndex: Int?, fieldIndices: [String: Int]
        switch columns.source {
        case .text(let column):
            textIndex = try index(column)
            fieldIndices = [:]
        case .fields(let mapping):
            textIndex = nil
            var indices: [String: Int] = [:]
            for (field, column) in mapping.sorted(by: { $0.key < $1.key }) { indices[field] = try index(column) }
            fieldIndices = indices
        }

        var examples: [Example] = []
        for (number, text) in lines.dropFirst() {
            let cells = text.split(separator: "\t", omittingEmptySubsequences: false)
            guard cells.count == names.count else {
                throw .malformedLine(file: url.path, line: number,
                                     reason: "expected \(names.count) tab-separated fields, found \(cells.count)")
            }
            let source: Example.Source =
                if let textIndex { .text(String(cells[textIndex])) }
                else { .fields(fieldIndices.mapValues { String(cells[$0]) }) }
            examples.append(Example(source: source, target: String(cells[labelIndex]), line: number))
        }
        guard !examples.isEmpty else { throw .emptyDataset(file: url.path) }
        return Dataset(file: url.path, examples: examples)
    }
}
