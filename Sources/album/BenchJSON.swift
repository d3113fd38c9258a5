// `album bench --json`: the same report as one JSON object, so scripts need not parse markdown. Each section keeps
// its title, its bullet notes and its tables; a table row is an object keyed by the column headers, with numbers as
// JSON numbers (markdown emphasis and a trailing "×" dropped) and everything else as strings.
import Foundation

enum BenchJSON {
    /// {"sections": [{"title", "notes": [String], "tables": [{"columns": [String], "rows": [{column: value}]}],
    /// "text": [String]}]} from each section's markdown lines.
    static func document(_ sections: [(title: String, lines: [String])]) -> [String: Any] {
        ["sections": sections.map { section(title: $0.title, lines: $0.lines) }]
    }

    static func section(title: String, lines: [String]) -> [String: Any] {
        var notes: [String] = [], text: [String] = [], tables: [[String: Any]] = []
        var columns: [String]?, rows: [[String: Any]] = []
        func closeTable() {
            if let columns { tables.append(["columns": columns, "rows": rows]) }
            columns = nil
            rows = []
        }
        for line in lines {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("|") else {
                closeTable()
                if trimmed.hasPrefix("- ") { notes.append(String(trimmed.dropFirst(2))) }
                else if !trimmed.isEmpty { text.append(trimmed) }
                continue
            }
            let cells = cellsOf(trimmed)
            if columns == nil {
                columns = cells
            } else if !cells.allSatisfy({ $0.allSatisfy { "-:".contains($0) } && !$0.isEmpty }) {
                var row: [String: Any] = [:]
                for (column, cell) in zip(columns!, cells) { row[column] = value(cell) }
                rows.append(row)
            }
        }
        closeTable()
        return ["title": title, "notes": notes, "tables": tables, "text": text]
    }

    /// The cells of a markdown table line "| a | b |", trimmed.
    static func cellsOf(_ line: String) -> [String] {
        var inner = Substring(line)
        if inner.hasPrefix("|") { inner = inner.dropFirst() }
        if inner.hasSuffix("|") { inner = inner.dropLast() }
        return inner.split(separator: "|", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
    }

    /// A number when the cell is one (after dropping `**` and a trailing `×`), else the cell's text.
    static func value(_ cell: String) -> Any {
        var plain = cell.replacingOccurrences(of: "**", with: "")
        if plain.hasSuffix("×") { plain = String(plain.dropLast()) }
        if let number = Double(plain.trimmingCharacters(in: .whitespaces)), number.isFinite { return number }
        return cell.replacingOccurrences(of: "**", with: "")
    }
}
