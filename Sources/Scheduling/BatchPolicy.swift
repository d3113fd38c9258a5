// Limits that shape every batch: queue bound, rows, encoder tokens per pass, and the partial-batch wait.
// The same knobs as vLLM's SchedulerConfig (max_num_seqs, max_num_batched_tokens) plus a batching window.

/// Batching limits of a `Scheduler`.
public struct BatchPolicy: Hashable, Sendable {
    /// Most requests waiting to be admitted; `add` throws `.queueFull` beyond it.
    public var maxQueueSize: Int
    /// Most decoder rows in the running batch (decoding and newly admitted together); a beam search holds one row
    /// per beam. A single request wider than this still runs, alone.
    public var maxBatchRows: Int
    /// Most encoder positions (summed over rows, packed) admitted into one encoder pass. A single request longer
    /// than this still runs alone, so no request can be starved by the limit.
    public var maxBatchTokens: Int
    /// When nothing is running, how long the oldest waiting request may wait for more to arrive before a partial
    /// batch runs. While sequences are decoding, new requests join at the next iteration without waiting.
    public var maxWait: Duration

    public init(maxQueueSize: Int = 256, maxBatchRows: Int = 16, maxBatchTokens: Int = 4096,
                maxWait: Duration = .zero) {
        precondition(maxQueueSize > 0 && maxBatchRows > 0 && maxBatchTokens > 0, "batch limits must be positive")
        precondition(maxWait >= .zero, "maxWait must not be negative")
        self.maxQueueSize = maxQueueSize
        self.maxBatchRows = maxBatchRows
        self.maxBatchTokens = maxBatchTokens
        self.maxWait = maxWait
    }
}
