// Token texts and stop sequences on a codec where each id is one letter: the pieces concatenate to the output, a
// stop sequence cuts the output before it (also when it spans tokens), and a stream holds back exactly the tokens
// whose text could still begin a stop sequence.
@testable import Engine
import Testing

/// Id n ↦ the n-th lowercase letter; `</s>` (1) and the start token (0) write nothing.
struct LetterCodec: TextCodec {
    func encode(_ text: String) throws -> [Int32] { text.unicodeScalars.map { Int32($0.value) - 95 } + [1] }
    func decode(_ ids: [Int32]) -> String {
        String(String.UnicodeScalarView(ids.filter { $0 > 1 }.compactMap { Unicode.Scalar(UInt32($0 + 95)) }))
    }
    var eosID: Int32 { 1 }
}

@Suite struct TokenTextsTests {
    func ids(_ text: String) -> [Int32] { text.unicodeScalars.map { Int32($0.value) - 95 } }

    @Test func piecesConcatenateToTheOutput() {
        var texts = TokenTexts(codec: LetterCodec(), stops: [])
        for id in ids("hello") + [1] { texts.append(id) }
        #expect(texts.output == "hello")
        #expect((0..<6).map { texts.text(ofToken: $0) } == ["h", "e", "l", "l", "o", ""])
        #expect(texts.releasable(finished: false) == 6, "no stop sequence: nothing is held back")
        #expect(texts.text(of: ids("x")[0], after: 2) == "x")
    }

    @Test func aStopSequenceIsHeldBackThenCut() {
        var texts = TokenTexts(codec: LetterCodec(), stops: ["cd", "zz"])
        for id in ids("abc") { texts.append(id) }
        #expect(texts.stopOffset == nil)
        #expect(texts.releasable(finished: false) == 2, "'c' could begin 'cd'")
        texts.append(ids("d")[0])
        #expect(texts.stopOffset == 2 && texts.output == "ab")
        #expect(texts.releasable(finished: false) == 4, "decided: everything goes, cut")
        #expect((0..<4).map { texts.text(ofToken: $0) } == ["a", "b", "", ""])
    }

    @Test func aStopSequenceSpanningTokensAndTheEarliestOfSeveral() {
        var texts = TokenTexts(codec: LetterCodec(), stops: ["xyz", "bc"])
        for id in ids("ab") { texts.append(id) }
        #expect(texts.releasable(finished: false) == 1)
        #expect(texts.releasable(finished: true) == 2, "a finished sequence holds nothing back")
        texts.append(ids("c")[0])
        #expect(texts.stopOffset == 1 && texts.output == "a")
        // A held-back prefix that does not become a stop sequence is released.
        var other = TokenTexts(codec: LetterCodec(), stops: ["xyz"])
        for id in ids("axy") { other.append(id) }
        #expect(other.releasable(finished: false) == 1)
        other.append(ids("q")[0])
        #expect(other.releasable(finished: false) == 4 && other.stopOffset == nil && other.output == "axyq")
    }
}
