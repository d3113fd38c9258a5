// The calling thread's share of the cores, kept in a pthread key (not a task local: model threads are plain
// threads, and `BLAS.threads` is read on every product, so the lookup must be cheap and lock-free).
import Foundation

enum ThreadBudget {
    /// One key for the process; the value is the budget stored as a pointer-sized integer (0: none).
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The calling thread's budget, nil when it has none.
    static var current: Int? {
        get {
            let raw = Int(bitPattern: pthread_getspecific(key))
            return raw > 0 ? raw : nil
        }
        set { pthread_setspecific(key, UnsafeRawPointer(bitPattern: newValue ?? 0)) }
    }
}
