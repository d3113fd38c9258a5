// Keeps a replica's tasks in line with its tasks directory: reloads on SIGHUP and, with `--tasks-rescan-ms`, every
// interval. How a replica picks up a task version written to a shared volume (docs/operations.md). A skipped
// entry is logged once, when it first appears, not on every rescan.
import Logging
import ServiceLifecycle
import ServerAPI
import UnixSignals

public struct TaskReloadService: Service {
    let interval: Duration?
    let reload: @Sendable () async throws -> TaskReloadResult
    let logger: Logger

    /// - Parameters:
    ///   - interval: time between rescans; nil rescans only on SIGHUP.
    ///   - reload: the reload (the engine's `reloadTasks`).
    public init(interval: Duration?, logger: Logger, reload: @escaping @Sendable () async throws -> TaskReloadResult) {
        self.interval = interval
        self.reload = reload
        self.logger = logger
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        let reported = ReportedIssues()
        let interval = self.interval
        try await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await _ in signals { await reloadOnce(trigger: "SIGHUP", reported: reported) }
                }
                if let interval {
                    group.addTask {
                        while (try? await Task.sleep(for: interval)) != nil {
                            await reloadOnce(trigger: "rescan", reported: reported)
                        }
                    }
                }
            }
        }
    }

    private func reloadOnce(trigger: String, reported: ReportedIssues) async {
        do {
            let result = try await reload()
            for skipped in await reported.new(result.skipped) {
                logger.warning("task skipped", metadata: ["entry": "\(skipped.entry)", "issue": "\(skipped.error)",
                                                          "trigger": "\(trigger)"])
            }
        } catch {
            logger.error("task reload failed", metadata: ["error": "\(error)", "trigger": "\(trigger)"])
        }
    }
}

/// The skipped entries already logged; an entry that loads again is forgotten, so a later failure is logged again.
private actor ReportedIssues {
    private var seen: Set<TaskReloadResult.Skipped> = []

    func new(_ skipped: [TaskReloadResult.Skipped]) -> [TaskReloadResult.Skipped] {
        let current = Set(skipped)
        defer { seen = current }
        return skipped.filter { !seen.contains($0) }
    }
}
