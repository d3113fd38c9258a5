// Latency percentiles, throughput and error counts of a run, printed as a markdown table and written as JSON
// together with the machine and the commit it ran on.
import Foundation

/// One finished request.
struct Sample {
    var task: String
    var type: String
    /// HTTP status, or 0 for a transport error.
    var status: Int
    var errorCode: String?
    var latency: Double  // seconds
}

struct Summary: Codable {
    var requests: Int
    var ok: Int
    var p50Ms: Double
    var p90Ms: Double
    var p99Ms: Double
    var meanMs: Double
}

struct Report: Codable {
    var commit: String
    var machine: String
    var cores: Int
    var url: String
    var targetRate: Double
    /// Closed-loop clients, nil for open-loop arrivals.
    var concurrency: Int?
    var durationSeconds: Double
    var sent: Int
    var dropped: Int
    var throughput: Double
    var overall: Summary
    var byTask: [String: Summary]
    var errors: [String: Int]

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    static func summarize(_ samples: [Sample]) -> Summary {
        let latencies = samples.filter { $0.status == 200 }.map { $0.latency * 1000 }.sorted()
        return Summary(requests: samples.count, ok: latencies.count, p50Ms: percentile(latencies, 50),
                       p90Ms: percentile(latencies, 90), p99Ms: percentile(latencies, 99),
                       meanMs: latencies.isEmpty ? 0 : latencies.reduce(0, +) / Double(latencies.count))
    }

    init(samples: [Sample], options: Options, elapsed: Double, dropped: Int) {
        commit = Self.run("git", ["rev-parse", "--short", "HEAD"]) ?? "unknown"
        machine = Self.cpuModel()
        cores = ProcessInfo.processInfo.activeProcessorCount
        url = options.url
        targetRate = options.rate
        concurrency = options.concurrency
        durationSeconds = elapsed
        sent = samples.count
        self.dropped = dropped
        throughput = Double(samples.filter { $0.status == 200 }.count) / max(elapsed, 1e-9)
        overall = Self.summarize(samples)
        byTask = Dictionary(grouping: samples) { "\($0.task)/\($0.type)" }.mapValues(Self.summarize)
        var errors: [String: Int] = [:]
        for s in samples where s.status != 200 { errors["\(s.status) \(s.errorCode ?? "transport")", default: 0] += 1 }
        self.errors = errors
    }

    var markdown: String {
        var lines = [
            "Album load test: \(url), commit \(commit), \(machine) (\(cores) cores)",
            (concurrency.map { "closed loop, \($0) clients" } ?? "target \(targetRate) req/s")
                + " for \(String(format: "%.1f", durationSeconds)) s: sent \(sent), dropped \(dropped), "
                + "throughput \(String(format: "%.2f", throughput)) req/s",
            "",
            "| requests | ok | p50 ms | p90 ms | p99 ms | mean ms |",
            "|---|---|---|---|---|---|",
        ]
        func row(_ name: String, _ s: Summary) -> String {
            "| \(name) | \(s.requests) / \(s.ok) | " + [s.p50Ms, s.p90Ms, s.p99Ms, s.meanMs].map { String(format: "%.1f", $0) }.joined(separator: " | ") + " |"
        }
        lines[3] = "| | requests / ok | p50 ms | p90 ms | p99 ms | mean ms |"
        lines.append(row("all", overall))
        for (name, s) in byTask.sorted(by: { $0.key < $1.key }) { lines.append(row(name, s)) }
        if !errors.isEmpty {
            lines.append("")
            lines.append("errors: " + errors.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        }
        return "unknown CPU"
    }

    static func run(_ tool: String, _ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
