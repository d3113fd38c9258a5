// The text of each generated token and the search for stop sequences. A token's text is what it adds to the decoded
// output (decode(ids[...i]) minus decode(ids[..<i]), in Unicode scalars), so the pieces of a stream concatenate to the
// final output. A stop sequence cuts the output before its first occurrence; while the text's end could still begin
// a stop sequence, the tokens that wrote it are held back from a stream.
import Foundation

/// Incremental text of a growing token sequence, with stop sequences.
struct TokenTexts {
    private let codec: any TextCodec
    private let stops: [[Unicode.Scalar]]
    private(set) var ids: [Int32] = []
    /// The decoded text so far, as scalars.
    private var scalars: [Unicode.Scalar] = []
    /// Scalar range of each token's text.
    private var spans: [Range<Int>] = []
    /// Where the first stop sequence begins, once one appeared.
    private(set) var stopOffset: Int?

    init(codec: any TextCodec, stops: [String]) {
        self.codec = codec
        self.stops = stops.map { Array($0.unicodeScalars) }.filter { !$0.isEmpty }
    }

    /// Appends one token: its text, and whether a stop sequence now appears.
    mutating func append(_ id: Int32) {
        ids.append(id)
        let full = Array(codec.decode(ids).unicodeScalars)
        let start = scalars.count
        if full.starts(with: scalars) {
            scalars = full
        }  // else the decoder rewrote earlier text (an incomplete byte sequence): the token adds nothing yet
        spans.append(start..<scalars.count)
        guard stopOffset == nil, let longest = stops.map(\.count).max() else { return }
        // Only a stop sequence that ends in the new text can be new.
        let from = max(0, start - longest + 1)
        var first: Int?
        for stop in stops where scalars.count - from >= stop.count {
            for offset in from...(scalars.count - stop.count) where scalars[offset..<(offset + stop.count)].elementsEqual(stop) {
                if first.map({ offset < $0 }) ?? true { first = offset }
                break
            }
        }
        stopOffset = first
    }

    /// The output text: cut before the stop sequence when one appeared.
    var output: String {
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars[0..<(stopOffset ?? scalars.count)])
        return String(text)
    }

    /// The text token `index` contributes to `output` (empty after a stop sequence began).
    func text(ofToken index: Int) -> String {
        let end = stopOffset ?? scalars.count
        let span = spans[index].clamped(to: 0..<max(end, 0))
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars[span])
        return String(text)
    }

    /// The text `id` would contribute if it came after the first `index` tokens (for alternatives in log-probs).
    func text(of id: Int32, after index: Int) -> String {
        let prefix = Array(ids[0..<index])
        let before = Array(codec.decode(prefix).unicodeScalars)
        let after = Array(codec.decode(prefix + [id]).unicodeScalars)
        guard after.starts(with: before) else { return "" }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: after[before.count...])
        return String(text)
    }

    /// How many tokens a stream may send: all once `finished` or stopped; otherwise those whose text ends before the
    /// longest end of the text that could begin a stop sequence.
    func releasable(finished: Bool) -> Int {
        if finished || stopOffset != nil { return ids.count }
        var held = 0
        for stop in stops {
            for length in stride(from: min(stop.count - 1, scalars.count), to: held, by: -1)
            where scalars[(scalars.count - length)...].elementsEqual(stop[0..<length]) {
                held = length
                break
            }
        }
        let safe = scalars.count - held
        var count = 0
        while count < spans.count && spans[count].upperBound <= safe { count += 1 }
        return count
    }
}
