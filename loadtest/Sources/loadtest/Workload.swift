// What the load tester sends: a weighted list of request templates over several tasks, with input texts drawn
// from a word list so input lengths vary. Built from the server's task list, or read from a JSON file.
import Foundation
import ServerAPI

/// One kind of request in the mix.
struct WorkloadItem: Codable {
    /// nil: the base model (a request that names no task).
    var task: String?
    /// `generate` or `classify`.
    var type: String
    /// Relative frequency.
    var weight: Double
    /// Input fields to fill with random words (`["input"]` for single-text tasks).
    var fields: [String]
    /// Words per field: uniform in `minWords...maxWords`.
    var minWords: Int
    var maxWords: Int
    var maxNewTokens: Int?
    /// A fixed input text instead of random words (every request the same length, as `album bench --serving`).
    var text: String?

    /// The name reports use: the task, or `(base)`.
    var label: String { task ?? "(base)" }
}

struct Workload: Codable {
    var items: [WorkloadItem]

    /// Every task of the server: generate for all, classify for tasks with labels; inputs of 3–40 words.
    static func fromServer(_ tasks: [TaskInfo]) -> Workload {
        var items: [WorkloadItem] = []
        for task in tasks where task.method != "album" {
            let words = max(3, min(40, task.maxInputTokens / 3))
            items.append(WorkloadItem(task: task.name, type: "generate", weight: 1, fields: task.fields,
                                      minWords: 3, maxWords: words, maxNewTokens: min(task.maxNewTokens, 16)))
            if task.labels != nil {
                items.append(WorkloadItem(task: task.name, type: "classify", weight: 1, fields: task.fields,
                                          minWords: 3, maxWords: words, maxNewTokens: nil))
            }
        }
        return Workload(items: items)
    }

    static let words = """
    the a film movie story man woman child dog cat house city river mountain sun rain was is were be good bad
    great terrible wonderful boring long short fast slow happy sad runs walks sleeps eats reads writes plays sings
    today yesterday never always often with without under over and but or because although very quite rather
    """.split(whereSeparator: \.isWhitespace).map(String.init)

    /// A request body for a randomly chosen item.
    func sample(_ rng: inout some RandomNumberGenerator) -> (item: WorkloadItem, body: Data) {
        let total = items.reduce(0) { $0 + $1.weight }
        var pick = Double.random(in: 0..<total, using: &rng)
        var chosen = items[items.count - 1]
        for item in items {
            if pick < item.weight { chosen = item; break }
            pick -= item.weight
        }
        var fields: [String: String] = [:]
        for field in chosen.fields where chosen.text == nil {
            let n = Int.random(in: chosen.minWords...max(chosen.minWords, chosen.maxWords), using: &rng)
            fields[field] = (0..<n).map { _ in Self.words.randomElement(using: &rng)! }.joined(separator: " ")
        }
        if let text = chosen.text { fields = Dictionary(uniqueKeysWithValues: chosen.fields.map { ($0, text) }) }
        let single = chosen.fields == ["input"]
        let encoder = JSONEncoder()
        let body: Data
        if chosen.type == "classify" {
            body = try! encoder.encode(ClassifyRequest(task: chosen.task, input: single ? fields["input"] : nil,
                                                       fields: single ? nil : fields))
        } else {
            body = try! encoder.encode(GenerateRequest(task: chosen.task, input: single ? fields["input"] : nil,
                                                       fields: single ? nil : fields, maxNewTokens: chosen.maxNewTokens))
        }
        return (chosen, body)
    }
}
