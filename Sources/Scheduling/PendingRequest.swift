// A request as the scheduler sees it: an id, its task, its encoder length, its decoder rows and its deadline. No
// tensors.
// The engine keeps the tensors and continuations keyed by `RequestID` (vLLM's `Request` vs `SequenceGroup` split).

/// Opaque identifier of one request inside the engine.
public struct RequestID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: RequestID, b: RequestID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "r\(rawValue)" }
}

/// How a request uses the model once its encoder pass has run.
public enum RequestKind: Hashable, Sendable {
    /// Step-by-step decoding (greedy, sampled, or a beam search's K rows): the request joins the decode batch and
    /// leaves when it finishes.
    case incremental
    /// Work that completes in the iteration that admits it (rank classification).
    case oneShot
}

/// A request waiting for, or holding, a row of the running batch.
public struct PendingRequest: Hashable, Sendable {
    public let id: RequestID
    /// Task name; fairness is enforced between task names.
    public let task: String
    /// Encoder positions this request adds to an encoder pass (prompt rows + input tokens).
    public let encoderTokens: Int
    public let kind: RequestKind
    /// Rows of the running batch this request holds: 1, or K for a beam search of K beams.
    public let rows: Int
    /// When the request was accepted.
    public let arrival: ContinuousClock.Instant
    /// After this instant the request fails with "deadline exceeded", queued or running.
    public let deadline: ContinuousClock.Instant?

    public init(id: RequestID, task: String, encoderTokens: Int, kind: RequestKind, rows: Int = 1,
                arrival: ContinuousClock.Instant, deadline: ContinuousClock.Instant?) {
        precondition(encoderTokens > 0, "a request has at least one encoder position")
        precondition(rows > 0, "a request holds at least one row")
        self.id = id
        self.task = task
        self.encoderTokens = encoderTokens
        self.kind = kind
        self.rows = rows
        self.arrival = arrival
        self.deadline = deadline
    }
}
