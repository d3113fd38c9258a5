// A small JSON reader for tokenizer.json. Foundation's JSONSerialization merges object keys that are canonically
// equivalent Unicode ("ó" vs "o\u{301}"), which silently drops vocabulary entries; this reader keeps every key
// byte-exact and in file order (as serde_json does).

/// A JSON object with its keys in file order; lookups are byte-exact.
final class JSONObject {
    let pairs: [(key: String, value: Any)]
    private let index: [[UInt8]: Int]

    init(_ pairs: [(key: String, value: Any)]) {
        self.pairs = pairs
        var idx: [[UInt8]: Int] = [:]
        for (i, p) in pairs.enumerated() { idx[Array(p.key.utf8)] = i }   // last duplicate wins, like serde
        index = idx
    }

    subscript(_ key: String) -> Any? {
        guard let i = index[Array(key.utf8)] else { return nil }
        let v = pairs[i].value
        return v is JSONNull ? nil : v
    }

    var keys: [String] { pairs.map(\.key) }
}

/// JSON `null`.
struct JSONNull {}

/// Recursive-descent parser over UTF-8 bytes. Numbers become `Int` when integral and in range, else `Double`.
struct JSONReader {
    private let b: [UInt8]
    private var i = 0

    struct Failure: Error { let offset: Int; let reason: String }

    static func parse(_ bytes: [UInt8]) throws(Failure) -> Any {
        var r = JSONReader(b: bytes)
        r.skipSpace()
        let v = try r.value()
        r.skipSpace()
        guard r.i == bytes.count else { throw Failure(offset: r.i, reason: "trailing characters") }
        return v
    }

    private init(b: [UInt8]) { self.b = b }

    private mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    private func fail(_ reason: String) -> Failure { Failure(offset: i, reason: reason) }

    private mutating func value() throws(Failure) -> Any {
        guard i < b.count else { throw fail("unexpected end") }
        switch b[i] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return try string()
        case UInt8(ascii: "t"): try literal("true"); return true
        case UInt8(ascii: "f"): try literal("false"); return false
        case UInt8(ascii: "n"): try literal("null"); return JSONNull()
        default: return try number()
        }
    }

    private mutating func literal(_ word: String) throws(Failure) {
        let w = Array(word.utf8)
        guard i + w.count <= b.count, Array(b[i..<(i + w.count)]) == w else { throw fail("expected \(word)") }
        i += w.count
    }

    private mutating func object() throws(Failure) -> JSONObject {
        i += 1
        var pairs: [(key: String, value: Any)] = []
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return JSONObject(pairs) }
        while true {
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected object key") }
            let k = try string()
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            i += 1
            skipSpace()
            pairs.append((k, try value()))
            skipSpace()
            guard i < b.count else { throw fail("unterminated object") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "}") { i += 1; return JSONObject(pairs) }
            throw fail("expected ',' or '}'")
        }
    }

    private mutating func array() throws(Failure) -> [Any] {
        i += 1
        var out: [Any] = []
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return out }
        while true {
            skipSpace()
            out.append(try value())
            skipSpace()
            guard i < b.count else { throw fail("unterminated array") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "]") { i += 1; return out }
            throw fail("expected ',' or ']'")
        }
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard i + 4 <= b.count else { throw fail("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw fail("bad hex digit in \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    private mutating func string() throws(Failure) -> String {
        i += 1
        let start = i
        // Fast path: no escapes.
        while i < b.count, b[i] != UInt8(ascii: "\""), b[i] != UInt8(ascii: "\\") { i += 1 }
        guard i < b.count else { throw fail("unterminated string") }
        if b[i] == UInt8(ascii: "\"") {
            defer { i += 1 }
            guard let s = String(validating: b[start..<i], as: UTF8.self) else { throw fail("string is not UTF-8") }
            return s
        }
        var bytes = Array(b[start..<i])
        while true {
            guard i < b.count else { throw fail("unterminated string") }
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; break }
            if c != UInt8(ascii: "\\") { bytes.append(c); i += 1; continue }
            i += 1
            guard i < b.count else { throw fail("unterminated escape") }
            let e = b[i]; i += 1
            switch e {
            case UInt8(ascii: "\""): bytes.append(0x22)
            case UInt8(ascii: "\\"): bytes.append(0x5C)
            case UInt8(ascii: "/"): bytes.append(0x2F)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                var v = try hex4()
                if (0xD800..<0xDC00).contains(v), i + 6 <= b.count, b[i] == 0x5C, b[i + 1] == UInt8(ascii: "u") {
                    i += 2
                    let lo = try hex4()
                    guard (0xDC00..<0xE000).contains(lo) else { throw fail("unpaired surrogate") }
                    v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00)
                }
                guard let s = Unicode.Scalar(v) else { throw fail("unpaired surrogate") }
                bytes.append(contentsOf: utf8Bytes(s))
            default: throw fail("bad escape")
            }
        }
        guard let s = String(validating: bytes, as: UTF8.self) else { throw fail("string is not UTF-8") }
        return s
    }

    private mutating func number() throws(Failure) -> Any {
        let start = i
        var integral = true
        while i < b.count {
            let c = b[i]
            if (0x30...0x39).contains(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") { i += 1; continue }
            if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { integral = false; i += 1; continue }
            break
        }
        let text = String(decoding: b[start..<i], as: UTF8.self)
        if integral, let v = Int(text) { return v }
        guard let d = Double(text) else { throw Failure(offset: start, reason: "bad number '\(text)'") }
        return d
    }
}
