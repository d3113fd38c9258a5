// `album generate`: greedy or beam-search generation for one input, from text (via the checkpoint's tokenizer)
// or from token ids used exactly as given. Output contract: {"ids": [...], "text": "..."} with --json, where ids
// are the generated ids after the decoder start token, EOS included when produced.
import ArgumentParser
import Foundation
import T5

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Generate text for an input.",
        discussion: """
            album generate --model DIR --text "translate English to German: Hello" [--max-new-tokens 32] [--json]
            album generate --model DIR --input-ids 13959,1566,12,2968,10,8774,1 --num-beams 4 --json
            """)

    @OptionGroup var options: ModelOptions

    // Task prompts (Prompts module): --tasks DIR --task NAME | --prompt PATH, --fields JSON. See TaskOptions.swift.
    @OptionGroup var taskOptions: TaskOptions

    @Option(name: .long, help: "Input text (tokenized with the checkpoint's tokenizer, </s> appended).")
    var text: String?

    @Option(name: .customLong("input-ids"), help: "Comma-separated input token ids, used exactly as given.")
    var inputIDs: String?

    @Option(name: .customLong("max-new-tokens"),
            help: "Maximum number of generated tokens (default: the task's decoding default, else 32).")
    var maxNewTokens: Int?

    @Option(name: .customLong("num-beams"), help: "Beam width (1 = greedy).")
    var numBeams = 1

    @Option(name: .customLong("length-penalty"), help: "Beam search length penalty (HF semantics).")
    var lengthPenalty: Float = 1

    @Flag(name: .customLong("early-stopping"), help: "Beam search stops once num-beams hypotheses are finished.")
    var earlyStopping = false

    @Flag(name: .long, help: "Print {\"ids\": [...], \"text\": \"...\"}.")
    var json = false

    func validate() throws {
        guard (text == nil) != (inputIDs == nil) || (taskOptions.fields != nil && inputIDs == nil) else {
            throw ValidationError("give exactly one of --text or --input-ids (or --fields with a task)")
        }
        guard (maxNewTokens ?? 0) >= 0 else { throw ValidationError("--max-new-tokens must be ≥ 0") }
        guard numBeams >= 1 else { throw ValidationError("--num-beams must be ≥ 1") }
    }

    /// The keys of `POST /v1/generate`'s answer for the same things.
    struct Output: Encodable {
        let output: String
        let ids: [Int32]
        /// SPE tasks only: attention weights over the album entries.
        var attention: [TaskOptions.AttentionWeight]? = nil
    }

    func run() async throws {
        let model = try options.loadModel()
        let tokenizer = text != nil || taskOptions.fields != nil ? try options.loadTokenizer(for: "--text") : options.optionalTokenizer()
        let encoded: EncoderOutput
        var attention: [TaskOptions.AttentionWeight]? = nil
        var maxNewTokens = self.maxNewTokens ?? 32
        if taskOptions.isActive {  // [P ; E[x]] with the task's template and prompt
            let task = try taskOptions.loadTask(modelDirectory: options.directory)
            maxNewTokens = self.maxNewTokens ?? task.decoding.maxNewTokens  // as the server does
            let input = try inputIDs.map { try IDList.parse($0, option: "--input-ids") }
                ?? taskOptions.inputIDs(task: task, text: text, tokenizer: tokenizer)
            (encoded, attention) = try TaskOptions.encode(model: model, task: task, ids: input)
        } else {
            let input = try text.map { tokenizer!.encode($0) } ?? IDList.parse(inputIDs!, option: "--input-ids")
            guard !input.isEmpty else { throw CLIError("the input has no tokens") }
            encoded = try model.encode(ids: [input])[0]
        }
        let ids = numBeams == 1
            ? model.greedy([encoded], maxNewTokens: maxNewTokens)[0]
            : model.beamSearch(encoded, numBeams: numBeams, maxNewTokens: maxNewTokens, lengthPenalty: lengthPenalty,
                               earlyStopping: earlyStopping)
        let output = Output(output: tokenizer?.decode(ids, skipSpecialTokens: true) ?? "", ids: ids, attention: attention)
        if json {
            print(try JSONOutput.render(output))
        } else {
            if tokenizer != nil { print(output.output) }
            print("ids: \(ids.map(String.init).joined(separator: ","))")
        }
    }
}
