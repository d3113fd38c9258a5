// Counters about how the engine batched its work, for tests and `album bench`-style reports.

/// Cumulative batching statistics of an engine.
public struct EngineStatistics: Sendable, Equatable {
    /// Iterations that ran model work.
    public var iterations = 0
    /// Encoder passes (iterations that admitted requests).
    public var encoderPasses = 0
    /// Most decoder rows (running plus newly admitted; a beam search holds K) seen in one iteration.
    public var peakRows = 0
    /// Most distinct tasks admitted into one encoder pass.
    public var peakTasksPerEncoderPass = 0
    /// Iterations where newly admitted requests joined sequences that were already decoding.
    public var joinedWhileDecoding = 0
    /// Requests completed successfully.
    public var completed = 0
    /// Requests each model thread admitted (one entry per worker).
    public var admittedPerWorker: [Int] = [0]
    public init() {}
}
