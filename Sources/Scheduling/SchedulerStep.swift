// One iteration's plan: which queued requests start (encoder pass), which running sequences take a decode step,
// and which requests leave because of a deadline or a cancellation. The engine executes it and reports back.

/// The work of one engine iteration, produced by `Scheduler.schedule(now:)`.
public struct SchedulerStep: Hashable, Sendable {
    /// Requests whose encoder pass runs this iteration, ordered by encoder length (ascending) so that a padded
    /// backend wastes little; each now holds a row.
    public var admitted: [PendingRequest] = []
    /// Incremental sequences (already running, or admitted in this step) that take one decode step.
    public var decoding: [RequestID] = []
    /// Requests removed because their deadline passed (queued or running). Their rows are already free.
    public var expired: [RequestID] = []
    /// Running requests removed because their client went away. Their rows are already free.
    public var cancelled: [RequestID] = []

    public init() {}

    /// True when the step asks the engine for no model work and reports no removals.
    public var isEmpty: Bool { admitted.isEmpty && decoding.isEmpty && expired.isEmpty && cancelled.isEmpty }

    /// Encoder positions in this step's encoder pass (packed, no padding).
    public var encoderTokens: Int { admitted.reduce(0) { $0 + $1.encoderTokens } }

    /// Positions a padded `(rows, maxLength)` encoder layout of `admitted` would add over the packed layout.
    public var paddedLayoutWaste: Int {
        guard let longest = admitted.map(\.encoderTokens).max() else { return 0 }
        return longest * admitted.count - encoderTokens
    }
}
