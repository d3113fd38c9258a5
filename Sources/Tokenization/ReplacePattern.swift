// The pattern of a `Replace`/`Split` component: a literal string or a regex (HF uses Oniguruma).
// The regexes T5 conversions write (` {2,}`, `\s+`, single characters) run on a hand-written fast path; anything
// else is compiled with Swift Regex (unicode-scalar semantics), which covers the common Oniguruma syntax.

/// A compiled `Replace` pattern.
struct ReplacePattern: Sendable {
    private enum Kind: @unchecked Sendable {
        case literal([Unicode.Scalar])
        /// One atom repeated `min...max` times, greedy (e.g. ` {2,}` or `\s+`).
        case run(Atom, min: Int, max: Int)
        case regex(Regex<AnyRegexOutput>)
    }

    enum Atom: Sendable {
        case scalar(Unicode.Scalar)
        case whitespace

        func matches(_ s: Unicode.Scalar) -> Bool {
            switch self {
            case .scalar(let c): return s == c
            case .whitespace: return isRustWhitespace(s)
            }
        }
    }

    private let kind: Kind

    /// A literal pattern (`{"String": ...}`).
    init(literal: String) { kind = .literal(Array(literal.unicodeScalars)) }

    /// A regex pattern (`{"Regex": ...}`).
    init(regex pattern: String) throws(TokenizationError) {
        if let fast = Self.parseRun(pattern) {
            kind = fast
            return
        }
        do {
            let re = try Regex(pattern).matchingSemantics(.unicodeScalar)
            kind = .regex(re)
        } catch {
            throw .badRegex(pattern: pattern, reason: "\(error)")
        }
    }

    /// Recognises `A`, `A+`, `A*`-free forms `A{n}`, `A{n,}`, `A{n,m}` where A is a literal scalar, an escaped
    /// punctuation scalar or `\s`.
    private static func parseRun(_ pattern: String) -> Kind? {
        var s = Array(pattern.unicodeScalars)[...]
        guard let first = s.popFirst() else { return nil }
        let atom: Atom
        let meta: Set<Unicode.Scalar> = ["\\", ".", "+", "*", "?", "(", ")", "[", "]", "{", "}", "|", "^", "$"]
        if first == "\\" {
            guard let e = s.popFirst() else { return nil }
            if e == "s" { atom = .whitespace } else if meta.contains(e) || e == " " || e == "/" || e == "-" {
                atom = .scalar(e)
            } else { return nil }
        } else if meta.contains(first) { return nil } else { atom = .scalar(first) }
        if s.isEmpty { return .run(atom, min: 1, max: 1) }
        if s == ["+"] { return .run(atom, min: 1, max: Int.max) }
        guard s.first == "{", s.last == "}" else { return nil }
        let body = String(String.UnicodeScalarView(s.dropFirst().dropLast()))
        let parts = body.split(separator: ",", omittingEmptySubsequences: false)
        guard let n = Int(parts[0]), n >= 1 else { return nil }
        if parts.count == 1 { return .run(atom, min: n, max: n) }
        guard parts.count == 2 else { return nil }
        if parts[1].isEmpty { return .run(atom, min: n, max: Int.max) }
        guard let m = Int(parts[1]), m >= n else { return nil }
        return .run(atom, min: n, max: m)
    }

    /// Replaces every non-overlapping leftmost match in `input` with `content`.
    func replaceAll(in input: [Unicode.Scalar], with content: [Unicode.Scalar]) -> [Unicode.Scalar] {
        switch kind {
        case .literal(let lit):
            guard !lit.isEmpty, input.count >= lit.count else { return input }
            var out: [Unicode.Scalar] = []
            out.reserveCapacity(input.count)
            var i = 0
            let first = lit[0]
            while i < input.count {
                if input[i] == first && i + lit.count <= input.count && input[i..<(i + lit.count)].elementsEqual(lit) {
                    out.append(contentsOf: content)
                    i += lit.count
                } else {
                    out.append(input[i]); i += 1
                }
            }
            return out
        case .run(let atom, let lo, let hi):
            var out: [Unicode.Scalar] = []
            out.reserveCapacity(input.count)
            var i = 0
            while i < input.count {
                guard atom.matches(input[i]) else { out.append(input[i]); i += 1; continue }
                var j = i
                while j < input.count && atom.matches(input[j]) { j += 1 }
                // Greedy leftmost matching inside the run [i, j).
                var k = i
                while j - k >= lo {
                    let len = min(hi, j - k)
                    out.append(contentsOf: content)
                    k += len
                }
                out.append(contentsOf: input[k..<j])
                i = j
            }
            return out
        case .regex(let re):
            var s = String(); s.unicodeScalars.append(contentsOf: input)
            var c = String(); c.unicodeScalars.append(contentsOf: content)
            return Array(s.replacing(re, with: c).unicodeScalars)
        }
    }
}
