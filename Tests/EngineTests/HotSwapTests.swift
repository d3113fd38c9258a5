// Hot swap under load: while clients keep sending requests, one task is replaced again and again (alternating
// between two different PEFT prompts) and another is removed. Clients and the swapper wait on each other's
// progress (counters, no sleeps), so every install and the removal land mid-run. Every response must name a version
// that was current while it ran and equal that version's solo result; the removed task answers before the removal
// and is unknown after it.
import Engine
import ServerAPI
import Foundation
import Testing

/// Events of the run on one logical clock: each call of `tick()` is a later moment than every earlier one.
final class SwapTimeline: @unchecked Sendable {
    private let lock = NSLock()
    private var clock = 0
    private var completedRequests = 0
    private var installs: [(version: String, source: String, start: Int, done: Int)] = []
    private var removal: (start: Int, end: Int)?

    func tick() -> Int { lock.withLock { clock += 1; return clock } }
    func requestCompleted() -> Int { lock.withLock { completedRequests += 1; clock += 1; return clock } }
    var completed: Int { lock.withLock { completedRequests } }
    var installCount: Int { lock.withLock { installs.count } }
    func installed(version: String, source: String, start: Int) {
        lock.withLock { clock += 1; installs.append((version, source, start, clock)) }
    }
    func removed(start: Int) { lock.withLock { clock += 1; removal = (start, clock) } }
    var installLog: [(version: String, source: String, start: Int, done: Int)] { lock.withLock { installs } }
    var removalWindow: (start: Int, end: Int)? { lock.withLock { removal } }
}

@Suite struct HotSwapTests {
    /// With one model thread and with two (each client's request may land on either).
    @Test(arguments: [1, 2])
    func replaceAndRemoveTasksWhileClientsRun(workers: Int) async throws {
        let engine = try makeEngine(rows: 6, maxWait: .zero, workers: workers)
        let timeline = SwapTimeline()
        let first = try await engine.installTask(named: "swap", files: try fixtureFiles("peft-pt"))
        timeline.installed(version: first.version, source: "peft-pt", start: 0)

        struct Response: Sendable { let task: String; let input: String; let start: Int; let end: Int; let outcome: Outcome }
        let clients = 4, perClient = 30, swaps = 8, removeAfterSwap = 4
        let responses = try await withThrowingTaskGroup(of: [Response].self) { group in
            for client in 0..<clients {
                group.addTask {
                    var rng = SplitMix(state: UInt64(100 + client))
                    var out: [Response] = []
                    for i in 0..<perClient {
                        // Request i waits for swap i/4: requests keep spanning the swaps, however fast either side runs.
                        try await waitUntil("swap \(i / 4)") { timeline.installCount > i / 4 }
                        let task = ["swap", "static-a", "peft-mpt", "swap"][i % 4]
                        let text = word(&rng, maxLength: 3)
                        let input = task == "static-a" ? TaskInput(fields: ["premise": text, "hypothesis": "b"])
                                                       : TaskInput(text: text)
                        let start = timeline.tick()
                        let outcome = await run(.generate(GenerateJob(task: task, input: input, maxNewTokens: 3)), on: engine)
                        out.append(Response(task: task, input: text, start: start, end: timeline.requestCompleted(),
                                            outcome: outcome))
                    }
                    return out
                }
            }
            group.addTask {
                for k in 1...swaps {
                    // Swap k after 12·k answers (clients can always get there: they are at most 4 requests ahead).
                    try await waitUntil("\(12 * k) answers") { timeline.completed >= 12 * k }
                    let source = k % 2 == 1 ? "peft-mpt" : "peft-pt"
                    let installStart = timeline.tick()
                    let installed = try await engine.installTask(named: "swap", files: try fixtureFiles(source))
                    if k == removeAfterSwap {
                        let start = timeline.tick()
                        try await engine.removeTask(named: "peft-mpt")
                        timeline.removed(start: start)
                    }
                    timeline.installed(version: installed.version, source: source, start: installStart)
                }
                return []
            }
            var all: [Response] = []
            for try await part in group { all += part }
            return all
        }

        let installs = timeline.installLog
        let removal = try #require(timeline.removalWindow)
        #expect(Set(installs.map(\.version)).count == swaps + 1, "every install gets a new version: \(installs)")
        let solo = try makeEngine(rows: 1)
        var seenVersions: Set<String> = []
        var removedBefore = 0, removedAfter = 0
        for r in responses {
            switch (r.task, r.outcome) {
            case ("peft-mpt", .failed(.unknownTask("peft-mpt"))):
                #expect(r.end > removal.start, "peft-mpt was unknown before its removal began")
                removedAfter += 1
            case ("peft-mpt", .generated):
                #expect(r.start < removal.end, "peft-mpt answered a request sent after its removal")
                removedBefore += 1
            case (_, .failed(let error)):
                Issue.record("request to \(r.task) failed: \(error)")
            case ("swap", .generated(let result)):
                seenVersions.insert(result.taskVersion)
                guard let index = installs.firstIndex(where: { $0.version == result.taskVersion }) else {
                    Issue.record("response names unknown version \(result.taskVersion)")
                    continue
                }
                // The version's install began before the request ended, and its replacement had not finished
                // before the request began.
                #expect(installs[index].start < r.end, "version \(result.taskVersion) answered before it existed")
                if index + 1 < installs.count {
                    #expect(installs[index + 1].done > r.start,
                            "version \(result.taskVersion) answered a request sent after its replacement")
                }
                let reference = try await solo.generate(GenerateJob(task: installs[index].source, input: TaskInput(text: r.input),
                                                                    maxNewTokens: 3))
                #expect(result.ids == reference.ids, "version \(result.taskVersion) (\(installs[index].source)) input \(r.input)")
            case (_, .generated(let result)):
                #expect(result.taskVersion == "0", "hand-placed tasks keep version 0")
            default:
                Issue.record("unexpected outcome for \(r.task)")
            }
        }
        #expect(responses.count == clients * perClient)
        #expect(removedBefore > 0 && removedAfter > 0,
                "the removal must land mid-run: \(removedBefore) answered before, \(removedAfter) unknown after")
        #expect(removedBefore + removedAfter == clients * (0..<perClient).filter { $0 % 4 == 2 }.count)
        #expect(seenVersions.count >= 4, "the load should observe several versions of the swapped task: \(seenVersions)")
        #expect(await engine.tasks().map(\.name).contains("peft-mpt") == false)
        await engine.shutdown()
        await solo.shutdown()
    }
}
