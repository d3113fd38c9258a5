// Command-line options of the load tester. Every run is bounded in request count and in time, and the target must
// be a loopback address.
import Foundation

struct Options {
    var url = "http://127.0.0.1:8080"
    /// Mean arrival rate (requests per second, Poisson arrivals).
    var rate = 20.0
    /// Arrivals stop after this many seconds (at most 600).
    var duration = 10.0
    /// Arrivals stop after this many requests (at most 100 000).
    var maxRequests = 1000
    /// Most requests in flight; arrivals beyond it are counted as dropped (the client, not the server, is full).
    var maxInFlight = 512
    /// Workload file (see workloads/README.md); default: built from the server's `GET /v1/tasks`.
    var workload: String?
    var seed: UInt64 = 1
    /// JSON report path.
    var output: String?
    /// Closed loop: this many clients, each sending its next request when the last one answered (no `--rate`).
    var concurrency: Int?

    static let usage = """
    usage: loadtest [--url http://127.0.0.1:8080] [--rate 20] [--duration 10] [--max-requests 1000]
                    [--max-in-flight 512] [--workload FILE] [--seed 1] [--output report.json]
                    [--concurrency N (closed loop instead of --rate)]
    """

    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var iterator = arguments.makeIterator()
        func value(_ flag: String) throws -> String {
            guard let v = iterator.next() else { throw LoadTestError.usage("\(flag) needs a value") }
            return v
        }
        func number<T: LosslessStringConvertible>(_ flag: String) throws -> T {
            let raw = try value(flag)
            guard let v = T(raw) else { throw LoadTestError.usage("\(flag): '\(raw)' is not a number") }
            return v
        }
        while let flag = iterator.next() {
            switch flag {
            case "--url": options.url = try value(flag)
            case "--rate": options.rate = try number(flag)
            case "--duration": options.duration = try number(flag)
            case "--max-requests": options.maxRequests = try number(flag)
            case "--max-in-flight": options.maxInFlight = try number(flag)
            case "--workload": options.workload = try value(flag)
            case "--seed": options.seed = try number(flag)
            case "--output": options.output = try value(flag)
            case "--concurrency": options.concurrency = try number(flag)
            case "-h", "--help": throw LoadTestError.usage("")
            default: throw LoadTestError.usage("unknown option \(flag)")
            }
        }
        guard options.rate > 0, options.rate <= 10_000 else { throw LoadTestError.usage("--rate must be in (0, 10000]") }
        guard options.duration > 0, options.duration <= 600 else { throw LoadTestError.usage("--duration must be in (0, 600]") }
        if let c = options.concurrency, !(1...1024).contains(c) { throw LoadTestError.usage("--concurrency must be 1...1024") }
        guard (1...100_000).contains(options.maxRequests) else { throw LoadTestError.usage("--max-requests must be 1...100000") }
        guard let host = URL(string: options.url)?.host, Self.isLoopback(host) else {
            throw LoadTestError.usage("--url must point at a loopback address (127.0.0.0/8, localhost or ::1)")
        }
        return options
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}

enum LoadTestError: Error, CustomStringConvertible {
    case usage(String)
    case server(String)
    case workload(String)

    var description: String {
        switch self {
        case .usage(let m): m.isEmpty ? Options.usage : "\(m)\n\(Options.usage)"
        case .server(let m): "server: \(m)"
        case .workload(let m): "workload: \(m)"
        }
    }
}
