// Tokenizer throughput: MB/s of `Tokenizer.encode` over a few MB of generated mixed-language text, one line per
// call, single thread; next to HF `tokenizers` (Rust, via bench/tokenizer_reference.py) on the same file when a
// python3 with `tokenizers` is available. Used by `album tokenize --bench` and meant for `album bench`.
import Foundation
import Tokenization

/// One tokenizer benchmark run.
struct TokenizerBench {
    struct Row { let engine: String; let mbPerSecond: Double; let tokens: Int; let note: String }

    let megabytes: Double
    let lines: Int
    let rows: [Row]

    /// Markdown table in the llama-bench style.
    var markdown: String {
        var s = "| tokenizer | text | lines | tokens | MB/s | note |\n|---|---:|---:|---:|---:|---|\n"
        for r in rows {
            s += "| \(r.engine) | \(String(format: "%.1f MB", megabytes)) | \(lines) | \(r.tokens) | "
            s += "\(String(format: "%.2f", r.mbPerSecond)) | \(r.note) |\n"
        }
        return s
    }

    /// Generates the text, times Album, then the HF reference when available.
    static func run(tokenizer: Tokenizer, directory: URL, megabytes: Double, repeats: Int = 3) throws -> TokenizerBench {
        let lines = mixedText(bytes: Int(megabytes * 1_000_000))
        let totalBytes = lines.reduce(0) { $0 + $1.utf8.count }
        // Warm-up, then the best of `repeats` passes.
        var tokens = 0
        for line in lines.prefix(200) { tokens &+= tokenizer.encode(line).count }
        var best = Double.infinity
        for _ in 0..<repeats {
            tokens = 0
            let start = ContinuousClock.now
            for line in lines { tokens &+= tokenizer.encode(line).count }
            let d = ContinuousClock.now - start
            best = min(best, Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
        }
        var rows = [Row(engine: "album (Swift)", mbPerSecond: Double(totalBytes) / 1e6 / best, tokens: tokens,
                        note: "1 thread, encode() per line")]
        rows.append(contentsOf: reference(lines: lines, directory: directory, repeats: repeats))
        return TokenizerBench(megabytes: Double(totalBytes) / 1e6, lines: lines.count, rows: rows)
    }

    /// Runs bench/tokenizer_reference.py on the same lines; a row saying why when it cannot run.
    static func reference(lines: [String], directory: URL, repeats: Int) -> [Row] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("bench/tokenizer_reference.py")
        guard FileManager.default.fileExists(atPath: script.path) else {
            return [Row(engine: "HF tokenizers (Rust)", mbPerSecond: .nan, tokens: 0, note: "bench/tokenizer_reference.py not found")]
        }
        let textFile = FileManager.default.temporaryDirectory.appendingPathComponent("album-tokbench-\(getpid()).txt")
        defer { try? FileManager.default.removeItem(at: textFile) }
        do {
            try lines.joined(separator: "\n").write(to: textFile, atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", script.path, "--model", directory.path, "--text", textFile.path,
                           "--repeats", String(repeats)]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard p.terminationStatus == 0,
                  let rows = try JSONSerialization.jsonObject(with: data) as? [[String: Any]]
            else {
                return [Row(engine: "HF tokenizers (Rust)", mbPerSecond: .nan, tokens: 0,
                            note: "reference script failed (python3 with tokenizers installed?)")]
            }
            return rows.map {
                Row(engine: $0["engine"] as? String ?? "?", mbPerSecond: ($0["mb_per_s"] as? NSNumber)?.doubleValue ?? .nan,
                    tokens: ($0["tokens"] as? NSNumber)?.intValue ?? 0, note: $0["note"] as? String ?? "")
            }
        } catch {
            return [Row(engine: "HF tokenizers (Rust)", mbPerSecond: .nan, tokens: 0, note: "could not run: \(error)")]
        }
    }

    /// Deterministic mixed-language lines (English, French, German, Vietnamese, Russian, Chinese, Japanese, Korean,
    /// Arabic, emoji, digits), about `bytes` UTF-8 bytes in all.
    static func mixedText(bytes: Int) -> [String] {
        let words: [[String]] = [
            ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "translate", "English", "to", "German:",
             "house", "is", "wonderful.", "summarize:", "studies", "have", "shown", "that", "owning", "a", "good", "for", "you,"],
            ["le", "renard", "rapide", "saute", "par-dessus", "chien", "l'été", "dernier", "à", "plage", "près", "de"],
            ["der", "schnelle", "braune", "Fuchs", "springt", "über", "den", "faulen", "Hund", "Straße", "Größe"],
            ["con", "cáo", "nâu", "nhanh", "nhẹn", "nhảy", "qua", "chó", "lười", "biếng", "Hà", "Nội", "Việt"],
            ["быстрая", "коричневая", "лиса", "прыгает", "через", "ленивую", "собаку", "Москва"],
            ["敏捷的棕色狐狸", "跳过了懒狗。", "我们今天去北京大学", "机器学习是人工智能的一个分支。"],
            ["東京は日本の首都です。", "今日はいい天気ですね", "すばやい茶色の狐"],
            ["빠른", "갈색", "여우가", "게으른", "개를", "뛰어넘는다.", "서울은", "대한민국의", "수도입니다."],
            ["الثعلب", "البني", "السريع", "يقفز", "فوق", "الكلب"],
            ["👍", "👍🏽", "🇫🇷", "3.14", "2024", "10:30", "ﬁnancial", "ＡＢＣ", "(yes)", "\"quoted\""],
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        var lines: [String] = []
        var total = 0
        while total < bytes {
            let language = next(words.count)
            var line = ""
            for i in 0..<(8 + next(40)) {
                let group = next(5) == 0 ? words[next(words.count)] : words[language]
                if i > 0 { line += next(20) == 0 ? "  " : " " }
                line += group[next(group.count)]
            }
            total += line.utf8.count + 1
            lines.append(line)
        }
        return lines
    }
}
