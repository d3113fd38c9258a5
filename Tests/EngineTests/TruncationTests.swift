// `--overflow truncate` keeps the first `limit − 1` input tokens plus `</s>`, by content: an over-long request gives
// exactly the output and scores of a request whose input is those tokens, and not those of other cuts (one token
// fewer, or the last tokens kept instead of the first).
import Engine
import Foundation
import Testing

@Suite struct TruncationTests {
    // static-a: maxInputTokens 32; template "premise: {premise} hypothesis: {hypothesis}" (ToyCodec: one id per byte,
    // then </s>). The hypothesis is long, so the cut falls inside it.
    static let limit = 32
    static let premise = "cat"

    func fields(_ hypothesis: String) -> TaskInput { TaskInput(fields: ["premise": Self.premise, "hypothesis": hypothesis]) }

    /// Bytes of the formatted input before the hypothesis.
    static let prefixLength = "premise: cat hypothesis: ".utf8.count

    @Test func truncationKeepsTheFirstLimitMinusOneTokensAndEOS() async throws {
        let truncating = try makeEngine(rows: 4, overflow: .truncate)
        let rejecting = try makeEngine(rows: 4, overflow: .reject)
        let long = "abcdefghijklmnopqrstuvwxyz0123456789"  // formatted: 25 + 36 bytes + </s> = 62 tokens
        #expect(Self.prefixLength + long.utf8.count + 1 > Self.limit)
        // Exactly limit − 1 tokens of text: formatted input + </s> is `limit` tokens, no truncation needed.
        let kept = String(long.prefix(Self.limit - 1 - Self.prefixLength))
        await #expect(throws: EngineError.inputTooLong(tokens: 62, limit: Self.limit)) {
            try await rejecting.classify(ClassifyJob(task: "static-a", input: fields(long)))
        }

        let cut = try await truncating.classify(ClassifyJob(task: "static-a", input: fields(long)))
        let direct = try await rejecting.classify(ClassifyJob(task: "static-a", input: fields(kept)))
        #expect(cut.scores == direct.scores, "the model saw the first \(Self.limit - 1) tokens and </s>")
        let cutGeneration = try await truncating.generate(GenerateJob(task: "static-a", input: fields(long), maxNewTokens: 4))
        let directGeneration = try await rejecting.generate(GenerateJob(task: "static-a", input: fields(kept), maxNewTokens: 4))
        #expect(cutGeneration.ids == directGeneration.ids)
        #expect(cutGeneration.inputTokens == Self.limit && directGeneration.inputTokens == Self.limit)

        // The comparison can tell the cuts apart: other token sequences score differently.
        let oneFewer = try await rejecting.classify(ClassifyJob(task: "static-a", input: fields(String(kept.dropLast()))))
        let shifted = try await rejecting.classify(ClassifyJob(task: "static-a", input: fields(String(long.suffix(kept.count)))))
        for other in [oneFewer, shifted] { #expect(other.scores != cut.scores) }
        await truncating.shutdown()
        await rejecting.shutdown()
    }
}
