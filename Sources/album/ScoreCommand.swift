// `album score`: teacher-forced log-likelihood of a target given an input (sum of per-token log-probabilities,
// decoder input = [start] + target[:-1]). Output contract: {"logprob": <sum>, "target_ids": [...]} with --json.
import ArgumentParser
import Foundation
import T5

struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score", abstract: "Log-likelihood of a target sequence.",
        discussion: """
            album score --model DIR --text "sst2 sentence: a great film" --target "positive" --json
            album score --model DIR --input-ids 3,4,5,1 --target-ids 6,1
            """)

    @OptionGroup var options: ModelOptions

    // Task prompts (Prompts module): --tasks DIR --task NAME | --prompt PATH, --fields JSON. See TaskOptions.swift.
    @OptionGroup var taskOptions: TaskOptions

    @Option(name: .long, help: "Input text (tokenized with the checkpoint's tokenizer, </s> appended).")
    var text: String?

    @Option(name: .customLong("input-ids"), help: "Comma-separated input token ids, used exactly as given.")
    var inputIDs: String?

    @Option(name: .long, help: "Target text (tokenized, </s> appended, as HF labels).")
    var target: String?

    @Option(name: .customLong("target-ids"), help: "Comma-separated target ids, used exactly as given.")
    var targetIDs: String?

    @Flag(name: .long, help: "Print {\"logprob\": ..., \"target_ids\": [...]}.")
    var json = false

    func validate() throws {
        guard (text == nil) != (inputIDs == nil) || (taskOptions.fields != nil && inputIDs == nil) else {
            throw ValidationError("give exactly one of --text or --input-ids (or --fields with a task)")
        }
        guard (target == nil) != (targetIDs == nil) else { throw ValidationError("give exactly one of --target or --target-ids") }
    }

    struct Output: Encodable {
        let logprob: Double
        let target_ids: [Int32]
    }

    func run() async throws {
        let model = try options.loadModel()
        let tokenizer = text != nil || target != nil || taskOptions.fields != nil
            ? try options.loadTokenizer(for: text != nil ? "--text" : "--target") : nil
        let targetIDs = try target.map { tokenizer!.encode($0) } ?? IDList.parse(self.targetIDs!, option: "--target-ids")
        try model.validate(ids: targetIDs)
        let encoded: EncoderOutput
        if taskOptions.isActive {  // [P ; E[x]] with the task's template and prompt
            let task = try taskOptions.loadTask(modelDirectory: options.directory)
            let input = try inputIDs.map { try IDList.parse($0, option: "--input-ids") }
                ?? taskOptions.inputIDs(task: task, text: text, tokenizer: tokenizer)
            encoded = try TaskOptions.encode(model: model, task: task, ids: input).0
        } else {
            let input = try text.map { tokenizer!.encode($0) } ?? IDList.parse(inputIDs!, option: "--input-ids")
            guard !input.isEmpty else { throw CLIError("the input has no tokens") }
            try model.validate(ids: input)
            encoded = try model.encode(ids: [input])[0]
        }
        let logprob = try model.score([(encoded, [targetIDs])])[0][0]
        if json {
            print(try JSONOutput.render(Output(logprob: logprob, target_ids: targetIDs)))
        } else {
            print("logprob: \(logprob)")
            print("target_ids: \(targetIDs.map(String.init).joined(separator: ","))")
        }
    }
}
