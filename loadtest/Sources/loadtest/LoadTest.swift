// Entry point: fetch the task list (or read a workload file), send requests with open-loop Poisson arrivals (or,
// with --concurrency, a closed loop of that many clients) for a bounded time and count, wait for the stragglers,
// and report.
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ServerAPI

@main
struct LoadTest {
    static func main() async {
        do {
            let options = try Options.parse(Array(CommandLine.arguments.dropFirst()))
            try await run(options)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            exit(1)
        }
    }

    static func run(_ options: Options) async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let workload = try await loadWorkload(options, client: client)
            guard !workload.items.isEmpty else { throw LoadTestError.workload("no requests to send") }
            let (samples, elapsed, dropped) = options.concurrency != nil
                ? await driveClosedLoop(workload, options: options, client: client)
                : await drive(workload, options: options, client: client)
            let report = Report(samples: samples, options: options, elapsed: elapsed, dropped: dropped)
            print(report.markdown)
            if let output = options.output {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(report).write(to: URL(fileURLWithPath: output))
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    static func loadWorkload(_ options: Options, client: HTTPClient) async throws -> Workload {
        if let path = options.workload {
            do { return try JSONDecoder().decode(Workload.self, from: Data(contentsOf: URL(fileURLWithPath: path))) } catch {
                throw LoadTestError.workload("\(path): \(error)")
            }
        }
        let response = try await client.execute(HTTPClientRequest(url: options.url + "/v1/tasks"), timeout: .seconds(10))
        guard response.status == .ok else { throw LoadTestError.server("GET /v1/tasks answered \(response.status)") }
        let body = try await response.body.collect(upTo: 16 << 20)
        return Workload.fromServer(try JSONDecoder().decode(TaskList.self, from: Data(body.readableBytesView)).tasks)
    }

    /// Open loop: arrival times follow a Poisson process regardless of how fast the server answers.
    static func drive(_ workload: Workload, options: Options,
                      client: HTTPClient) async -> (samples: [Sample], elapsed: Double, dropped: Int) {
        var seeded = SeededGenerator(state: options.seed)
        let clock = ContinuousClock()
        let start = clock.now
        let end = start.advanced(by: .milliseconds(Int(options.duration * 1000)))
        let inFlight = Counter()
        var dropped = 0
        let samples = await withTaskGroup(of: Sample?.self) { group in
            var next = start
            for _ in 0..<options.maxRequests {
                // Exponential inter-arrival gap with mean 1/rate.
                let gap = -log(1 - Double.random(in: 0..<1, using: &seeded)) / options.rate
                next = next.advanced(by: .milliseconds(Int(gap * 1000)) + .microseconds(Int(gap * 1e6) % 1000))
                if next > end { break }
                try? await clock.sleep(until: next)
                if await inFlight.value >= options.maxInFlight {
                    dropped += 1
                    continue
                }
                let (item, body) = workload.sample(&seeded)
                await inFlight.add(1)
                group.addTask {
                    defer { Task { await inFlight.add(-1) } }
                    return await send(item: item, body: body, url: options.url, client: client)
                }
            }
            var all: [Sample] = []
            for await sample in group { if let sample { all.append(sample) } }
            return all
        }
        let elapsed = start.duration(to: clock.now)
        return (samples, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18, dropped)
    }

    /// Closed loop: `concurrency` clients, each sending its next request as soon as the last one answered, until
    /// `duration` ends or `maxRequests` were sent (the server's saturation throughput at that concurrency).
    static func driveClosedLoop(_ workload: Workload, options: Options,
                                client: HTTPClient) async -> (samples: [Sample], elapsed: Double, dropped: Int) {
        let clock = ContinuousClock()
        let start = clock.now
        let end = start.advanced(by: .milliseconds(Int(options.duration * 1000)))
        let budget = Counter()
        let samples = await withTaskGroup(of: [Sample].self) { group in
            for index in 0..<(options.concurrency ?? 1) {
                group.addTask {
                    var seeded = SeededGenerator(state: options.seed &+ UInt64(index))
                    var out: [Sample] = []
                    while clock.now < end, await budget.take(below: options.maxRequests) {
                        let (item, body) = workload.sample(&seeded)
                        out.append(await send(item: item, body: body, url: options.url, client: client))
                    }
                    return out
                }
            }
            var all: [Sample] = []
            for await part in group { all += part }
            return all
        }
        let elapsed = start.duration(to: clock.now)
        return (samples, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18, 0)
    }

    static func send(item: WorkloadItem, body: Data, url: String, client: HTTPClient) async -> Sample {
        var request = HTTPClientRequest(url: url + (item.type == "classify" ? "/v1/classify" : "/v1/generate"))
        let task = item.label
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let start = ContinuousClock.now
        do {
            let response = try await client.execute(request, timeout: .seconds(120))
            let bytes = try await response.body.collect(upTo: 16 << 20)
            let latency = start.duration(to: .now)
            var code: String?
            if response.status != .ok {
                code = (try? JSONDecoder().decode(ErrorBody.self, from: Data(bytes.readableBytesView)))?.error.code
            }
            return Sample(task: task, type: item.type, status: Int(response.status.code), errorCode: code,
                          latency: Double(latency.components.seconds) + Double(latency.components.attoseconds) * 1e-18)
        } catch {
            return Sample(task: task, type: item.type, status: 0, errorCode: "\(type(of: error))", latency: 0)
        }
    }
}

/// In-flight request counter.
actor Counter {
    private(set) var value = 0
    func add(_ delta: Int) { value += delta }
    /// Counts one more if fewer than `limit` were counted; false once the limit is reached.
    func take(below limit: Int) -> Bool {
        guard value < limit else { return false }
        value += 1
        return true
    }
}

/// SplitMix64, so a seed reproduces the same arrivals and inputs.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1330_11EB
        return z ^ (z >> 31)
    }
}
