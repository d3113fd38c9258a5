// A turnstile the model thread passes once per iteration, before it asks the scheduler for work. Tests hold it
// closed to queue requests deterministically, then let exactly one iteration run (`step()`), instead of ordering the
// queue with sleeps. Production engines have no gate (`EngineConfiguration.iterationGate` is nil).
import Foundation

/// Lets the model thread run a counted number of iterations.
public final class IterationGate: @unchecked Sendable {
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var permits: Int
    /// How many times the model thread has reached the gate (blocked or not).
    private var arrivals = 0
    private var isBlocked = false
    /// The arrival after which the thread last found nothing to do and went idle (waiting for requests).
    private var idleAfterArrival = 0

    /// - Parameter permits: iterations allowed before the gate closes (0: closed from the start).
    public init(permits: Int = 0) { self.permits = permits }

    /// Allows `count` more iterations.
    public func open(_ count: Int = 1) {
        condition.lock()
        permits = permits > Int.max - count ? Int.max : permits + count
        condition.broadcast()
        condition.unlock()
    }

    /// Lets the thread run freely from now on (the engine does this when it drains).
    public func openFully() { open(Int.max) }

    /// Waits until the model thread is blocked at the gate. Throws `IterationGateError.timedOut` after `timeout`.
    public func waitUntilBlocked(timeout: Duration = .seconds(300)) async throws {
        try await poll(timeout: timeout, what: "the model thread to reach the gate") { isBlocked }
    }

    /// Runs exactly one iteration: the thread must be blocked at the gate; one permit is granted and this waits until
    /// the thread comes back (the iteration's results have been handed to their callers by then), or until it goes
    /// idle because the scheduler had nothing to run (only expired or cancelled requests, say).
    public func step(timeout: Duration = .seconds(300)) async throws {
        try await waitUntilBlocked(timeout: timeout)
        let before = locked { arrivals }
        open(1)
        try await poll(timeout: timeout, what: "one iteration to finish") {
            (arrivals > before && isBlocked) || idleAfterArrival == before
        }
    }

    /// Called by the model thread before each iteration: blocks while no permit is left, then takes one.
    func pass() {
        condition.lock()
        arrivals += 1
        while permits == 0 {
            isBlocked = true
            condition.wait()
        }
        isBlocked = false
        if permits != Int.max { permits -= 1 }
        condition.unlock()
    }

    /// Called by the model thread when the scheduler has nothing to run and it starts waiting for requests.
    func noteIdle() {
        locked { idleAfterArrival = arrivals }
    }

    private func locked<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }

    private func poll(timeout: Duration, what: String, _ done: () -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while !locked(done) {
            guard ContinuousClock.now < deadline else { throw IterationGateError.timedOut(waitingFor: what) }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}

/// A gate wait that did not end in time.
public enum IterationGateError: Error, Equatable, CustomStringConvertible {
    case timedOut(waitingFor: String)

    public var description: String {
        switch self {
        case .timedOut(let what): "timed out waiting for \(what)"
        }
    }
}
