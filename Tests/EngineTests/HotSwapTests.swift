// Hot swap under load: while clients keep sending requests, one task is replaced again and again (alternating
// between two different PEFT prompts) and another is removed. Requests to tasks that still exist never fail, and
// every response names the version that produced it: its ids equal the solo result of that version's prompt.
import Engine
import Foundation
import Testing

actor SwapLog {
    var promptSourceByVersion: [String: String] = [:]
    func record(version: String, source: String) { promptSourceByVersion[version] = source }
}

@Suite struct HotSwapTests {
    @Test func replaceAndRemoveTasksWhileClientsRun() async throws {
        let engine = try makeEngine(rows: 6, maxWait: .milliseconds(1))
        let log = SwapLog()
        let first = try await engine.installTask(named: "swap", files: try fixtureFiles("peft-pt"))
        await log.record(version: first.version, source: "peft-pt")

        struct Response: Sendable { let task: String; let input: String; let outcome: Outcome }
        let (responses, removedAt) = try await withThrowingTaskGroup(of: [Response].self) { group in
            for client in 0..<4 {
                group.addTask {
                    var rng = SplitMix(state: UInt64(100 + client))
                    var out: [Response] = []
                    for i in 0..<30 {
                        let task = ["swap", "static-a", "peft-mpt", "swap"][i % 4]
                        let text = word(&rng, maxLength: 3)
                        let input = task == "static-a" ? TaskInput(fields: ["premise": text, "hypothesis": "b"])
                                                       : TaskInput(text: text)
                        let outcome = await run(.generate(GenerateJob(task: task, input: input, maxNewTokens: 3)), on: engine)
                        out.append(Response(task: task, input: text, outcome: outcome))
                    }
                    return out
                }
            }
            group.addTask {
                for k in 1...8 {
                    try await Task.sleep(for: .milliseconds(3))
                    let source = k % 2 == 1 ? "peft-mpt" : "peft-pt"
                    let installed = try await engine.installTask(named: "swap", files: try fixtureFiles(source))
                    await log.record(version: installed.version, source: source)
                    if k == 4 { try await engine.removeTask(named: "peft-mpt") }
                }
                return []
            }
            var all: [Response] = []
            for try await part in group { all += part }
            return (all, 4)
        }
        _ = removedAt
        let solo = try makeEngine(rows: 1)
        let versions = await log.promptSourceByVersion
        #expect(versions.count == 9, "every install gets a new version: \(versions)")
        var seenVersions: Set<String> = []
        var removedFailures = 0
        for r in responses {
            switch (r.task, r.outcome) {
            case ("peft-mpt", .failed(.unknownTask)):
                removedFailures += 1  // removed mid-run: the only failure allowed
            case (_, .failed(let error)):
                Issue.record("request to \(r.task) failed: \(error)")
            case ("swap", .generated(let result)):
                seenVersions.insert(result.taskVersion)
                guard let source = versions[result.taskVersion] else {
                    Issue.record("response names unknown version \(result.taskVersion)")
                    continue
                }
                let reference = try await solo.generate(GenerateJob(task: source, input: TaskInput(text: r.input), maxNewTokens: 3))
                #expect(result.ids == reference.ids, "version \(result.taskVersion) (\(source)) input \(r.input)")
            case (_, .generated(let result)):
                #expect(result.taskVersion == "0", "hand-placed tasks keep version 0")
            default:
                Issue.record("unexpected outcome for \(r.task)")
            }
        }
        #expect(responses.count == 120)
        #expect(seenVersions.count >= 2, "the load should observe several versions of the swapped task: \(seenVersions)")
        #expect(await engine.tasks().map(\.name).contains("peft-mpt") == false)
        _ = removedFailures
        await engine.shutdown()
        await solo.shutdown()
    }
}
