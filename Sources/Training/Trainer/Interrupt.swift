// SIGINT (Ctrl-C) during training: the handler only sets a flag; the loop checks it after each step, writes a
// checkpoint and stops with `TrainingError.interrupted`, so an interrupted run loses nothing.
import Foundation
import Synchronization

public enum Interrupt {
    private static let flag = Atomic<Bool>(false)

    /// Installs the handler (idempotent).
    public static func install() {
        signal(SIGINT) { _ in Interrupt.flag.store(true, ordering: .relaxed) }
    }

    /// Asks the running loop to stop (what SIGINT does; tests call it directly).
    public static func request() { flag.store(true, ordering: .relaxed) }

    /// True once after an interrupt was requested.
    static func take() -> Bool { flag.exchange(false, ordering: .relaxed) }
}
