// Gated end-to-end checks on a real checkpoint (set T5_MODEL_DIR to a t5-small directory with its tokenizer):
// CTranslate2's reference translation and basic sanity of scoring.
import Foundation
import T5
import Testing
import Tokenization

@Suite(.enabled(if: ProcessInfo.processInfo.environment["T5_MODEL_DIR"] != nil, "set T5_MODEL_DIR to a t5-small checkpoint"))
struct RealCheckpointTests {
    let directory = URL(fileURLWithPath: ProcessInfo.processInfo.environment["T5_MODEL_DIR"] ?? "/nonexistent")

    @Test func translatesTheHouseSentence() throws {
        let model = try T5Model.load(directory: directory)
        let tokenizer = try Tokenizer.load(directory: directory)
        let input = tokenizer.encode("translate English to German: The house is wonderful.")
        let ids = model.greedy(try model.encode(ids: [input]), maxNewTokens: 32)[0]
        #expect(tokenizer.decode(ids, skipSpecialTokens: true) == "Das Haus ist wunderbar.")
        #expect(ids.last == 1)
    }

    @Test func correctTranslationScoresHigher() throws {
        let model = try T5Model.load(directory: directory)
        let tokenizer = try Tokenizer.load(directory: directory)
        let encoded = try model.encode(ids: [tokenizer.encode("translate English to German: The house is wonderful.")])[0]
        let scores = try model.score([(encoded, [tokenizer.encode("Das Haus ist wunderbar."), tokenizer.encode("Der Hund bellt laut.")])])[0]
        #expect(scores[0] > scores[1])
        #expect(scores[0] < 0)
    }
}
