// Errors the scheduler reports to its caller when a request cannot be accepted.
// Mirrors the admission-control outcomes of vLLM's scheduler (queue full, engine stopping).

/// Why the scheduler refused a request.
public enum SchedulingError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The waiting queue already holds `capacity` requests.
    case queueFull(capacity: Int)
    /// The scheduler is draining for shutdown and accepts no new work.
    case draining
    /// A request with this id is already queued or running.
    case duplicateID(RequestID)

    public var description: String {
        switch self {
        case .queueFull(let capacity): "the request queue is full (\(capacity) waiting)"
        case .draining: "the server is shutting down and accepts no new requests"
        case .duplicateID(let id): "request id \(id.rawValue) is already scheduled"
        }
    }
}
