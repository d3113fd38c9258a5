// Decoders of HF tokenizers (`decoders/*.rs`): Metaspace, Replace, ByteFallback, Fuse, Strip, Sequence.
// Each step maps a list of token strings to a list of strings; the final list is concatenated.

/// One decoder step, as declared in `tokenizer.json`'s `"decoder"`.
indirect enum Decoder: Sendable {
    case metaspace(replacement: Unicode.Scalar, prepend: PrependScheme)
    case replace(pattern: String, content: String)
    case byteFallback
    case fuse
    case strip(content: Unicode.Scalar, start: Int, stop: Int)
    case sequence([Decoder])

    /// Decodes `tokens` into text.
    func decode(_ tokens: [String]) -> String {
        decodeChain(tokens).joined()
    }

    func decodeChain(_ tokens: [String]) -> [String] {
        switch self {
        case .metaspace(let rep, let prepend):
            // In the first token every replacement character disappears (HF's behaviour, not just the leading one).
            return tokens.enumerated().map { i, token in
                var out = String.UnicodeScalarView()
                for c in token.unicodeScalars {
                    if c == rep {
                        if i == 0 && prepend != .never { continue }
                        out.append(" ")
                    } else {
                        out.append(c)
                    }
                }
                return String(out)
            }
        case .replace(let pattern, let content):
            guard !pattern.isEmpty else { return tokens }
            let c = Array(content.unicodeScalars)
            let literal = ReplacePattern(literal: pattern)
            return tokens.map { token in
                var out = String.UnicodeScalarView()
                out.append(contentsOf: literal.replaceAll(in: Array(token.unicodeScalars), with: c))
                return String(out)
            }
        case .byteFallback:
            var out: [String] = []
            var bytes: [UInt8] = []
            func flush() {
                guard !bytes.isEmpty else { return }
                if let s = String(validating: bytes, as: UTF8.self) { out.append(s) } else {
                    out.append(contentsOf: repeatElement("\u{FFFD}", count: bytes.count))
                }
                bytes.removeAll()
            }
            for token in tokens {
                if let b = Self.byteToken(token) { bytes.append(b) } else { flush(); out.append(token) }
            }
            flush()
            return out
        case .fuse:
            return [tokens.joined()]
        case .strip(let content, let start, let stop):
            return tokens.map { token in
                let chars = Array(token.unicodeScalars)
                var lo = 0
                for i in 0..<min(start, chars.count) { if chars[i] == content { lo = i + 1 } else { break } }
                var hi = chars.count
                for i in 0..<min(stop, chars.count) {
                    let idx = chars.count - i - 1
                    if chars[idx] == content { hi = idx } else { break }
                }
                guard lo < hi else { return "" }
                var out = String.UnicodeScalarView()
                out.append(contentsOf: chars[lo..<hi])
                return String(out)
            }
        case .sequence(let steps):
            var cur = tokens
            for step in steps { cur = step.decodeChain(cur) }
            return cur
        }
    }

    /// `<0xAB>` -> 0xAB (6 UTF-8 bytes, hex parsed like Rust's `u8::from_str_radix`).
    static func byteToken(_ token: String) -> UInt8? {
        let u = Array(token.utf8)
        guard u.count == 6, u[0] == 0x3C, u[1] == 0x30, u[2] == 0x78, u[5] == 0x3E else { return nil }
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x41...0x46: return c - 0x41 + 10
            case 0x61...0x66: return c - 0x61 + 10
            default: return nil
            }
        }
        if u[3] == 0x2B { return hex(u[4]) }  // "+F" parses in Rust
        guard let h = hex(u[3]), let l = hex(u[4]) else { return nil }
        return h << 4 | l
    }
}
