// Normalizers of HF tokenizers (`normalizers/*.rs`) used by T5-family checkpoints: Precompiled, Replace, Strip,
// Sequence, plus the Unicode forms and Lowercase. Each works on a whole segment of Unicode scalars.
import Foundation

/// One normalizer step, as declared in `tokenizer.json`'s `"normalizer"`.
indirect enum Normalizer: Sendable {
    case precompiled(PrecompiledCharsmap)
    case replace(ReplacePattern, content: [Unicode.Scalar])
    case strip(left: Bool, right: Bool)
    case unicodeForm(UnicodeForm)
    case lowercase
    case sequence([Normalizer])

    enum UnicodeForm: Sendable { case nfc, nfd, nfkc, nfkd }

    /// Applies the normalizer to `input`.
    func apply(_ input: [Unicode.Scalar]) -> [Unicode.Scalar] {
        switch self {
        case .precompiled(let map):
            var out: [Unicode.Scalar] = []
            out.reserveCapacity(input.count + 8)
            map.normalize(input, into: &out)
            return out
        case .replace(let pattern, let content):
            return pattern.replaceAll(in: input, with: content)
        case .strip(let left, let right):
            var lo = 0, hi = input.count
            if left { while lo < hi && isRustWhitespace(input[lo]) { lo += 1 } }
            if right { while hi > lo && isRustWhitespace(input[hi - 1]) { hi -= 1 } }
            return Array(input[lo..<hi])
        case .unicodeForm(let form):
            var s = String(); s.unicodeScalars.append(contentsOf: input)
            let t: String
            switch form {
            case .nfc: t = s.precomposedStringWithCanonicalMapping
            case .nfd: t = s.decomposedStringWithCanonicalMapping
            case .nfkc: t = s.precomposedStringWithCompatibilityMapping
            case .nfkd: t = s.decomposedStringWithCompatibilityMapping
            }
            return Array(t.unicodeScalars)
        case .lowercase:
            var out: [Unicode.Scalar] = []
            out.reserveCapacity(input.count)
            for s in input {
                if s.value < 0x80 {
                    out.append(s.value >= 0x41 && s.value <= 0x5A ? Unicode.Scalar(s.value + 32)! : s)
                } else {
                    out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
                }
            }
            return out
        case .sequence(let steps):
            var cur = input
            for step in steps { cur = step.apply(cur) }
            return cur
        }
    }
}
