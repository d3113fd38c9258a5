// Training progress: one JSON line per step in `--log FILE` (step from 1, the batch loss before that step's update,
// lr, grad_norm, examples_per_s, eval metrics as eval_<name> when evaluated), and on stderr a progress bar on a
// terminal (step, loss, lr, examples/s, ETA) or plain lines when stderr is redirected.
import Foundation

public final class TrainingLogger {
    private let file: FileHandle?
    private let console: Bool
    private let terminal: Bool
    /// Plain-line cadence when stderr is not a terminal.
    public var plainEvery = 10
    /// Examples per step, for the ETA.
    public var batchSize = 1

    /// - Parameters:
    ///   - path: the JSON lines file (appended to, created if missing); nil writes none.
    ///   - console: print progress on stderr.
    public init(path: String?, append: Bool, console: Bool) throws(TrainingError) {
        if let path {
            let url = URL(fileURLWithPath: path)
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if !append || !FileManager.default.fileExists(atPath: path) {
                guard FileManager.default.createFile(atPath: path, contents: nil) else {
                    throw .setup("cannot create the log file \(path)")
                }
            }
            do {
                let handle = try FileHandle(forWritingTo: url)
                try handle.seekToEnd()
                file = handle
            } catch { throw .setup("cannot open the log file \(path): \(error.localizedDescription)") }
        } else {
            file = nil
        }
        self.console = console
        terminal = isatty(STDERR_FILENO) == 1
    }

    deinit { try? file?.close() }

    /// One step's record.
    public func log(step: Int, total: Int, loss: Double, lr: Double, gradNorm: Double, examplesPerSecond: Double,
                    eval: [String: Double]?) {
        var record: [String: Any] = ["step": step, "loss": loss, "lr": lr, "grad_norm": gradNorm,
                                     "examples_per_s": examplesPerSecond]
        for (name, value) in eval ?? [:] { record["eval_\(name)"] = value }
        if let file, let data = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]) {
            file.write(data + Data("\n".utf8))
        }
        guard console else { return }
        let eta = examplesPerSecond > 0 ? Double((total - step) * batchSize) / examplesPerSecond : 0
        let line = String(format: "step %d/%d  loss %.4f  lr %.3g  %.1f ex/s", step, total, loss, lr, examplesPerSecond)
        let evalText = (eval ?? [:]).sorted { $0.key < $1.key }.map { String(format: "  %@ %.4f", $0.key, $0.value) }.joined()
        if terminal {
            let width = 20, filled = total > 0 ? width * step / total : width
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            let text = "\r[\(bar)] \(line)  ETA \(Self.duration(eta))\(evalText)\u{1B}[K" + (step == total ? "\n" : "")
            FileHandle.standardError.write(Data(text.utf8))
        } else if step % plainEvery == 0 || step == total || eval != nil {
            FileHandle.standardError.write(Data((line + evalText + "\n").utf8))
        }
    }

    /// A message on its own line.
    public func note(_ message: String) {
        guard console else { return }
        FileHandle.standardError.write(Data(((terminal ? "\r\u{1B}[K" : "") + message + "\n").utf8))
    }

    /// A duration as "1h2m", "3m4s" or "5s".
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
