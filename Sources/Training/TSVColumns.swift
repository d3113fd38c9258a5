// Which columns of a GLUE-style TSV file make an example: one text column, or several columns as named template
// fields; plus the label column. Columns are chosen by their header names.

public struct TSVColumns: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// One column is the input text.
        case text(column: String)
        /// Template field name → column name.
        case fields([String: String])
    }

    public var source: Source
    /// The column holding the target text (e.g. "label").
    public var label: String

    public init(source: Source, label: String) {
        self.source = source
        self.label = label
    }

    /// The input text from `column`.
    public static func text(_ column: String, label: String) -> TSVColumns {
        TSVColumns(source: .text(column: column), label: label)
    }

    /// Fields named after their columns, e.g. `.fields(["sentence1", "sentence2"], label: "label")`.
    public static func fields(_ columns: [String], label: String) -> TSVColumns {
        TSVColumns(source: .fields(Dictionary(columns.map { ($0, $0) }, uniquingKeysWith: { first, _ in first })),
                   label: label)
    }
}
