// Settings of one training forward/backward of T5: dropout in the frozen model (HF T5 trains in train() mode with
// dropout_rate 0.1, spe-method §2.6), its seed, label smoothing (torch CrossEntropyLoss(label_smoothing=ε)) and the
// loss normaliser for gradient accumulation.

public struct TrainingOptions: Sendable, Equatable {
    /// Dropout probability of every dropout site of the model; 0 turns dropout off.
    public var dropout: Double
    /// The run's dropout seed; with `step`, it fixes every mask (Kernels/Dropout.swift).
    public var seed: UInt64
    /// The optimizer step (or any counter that must draw new masks).
    public var step: UInt32
    /// ε in [0, 1]: the target distribution is (1 − ε)·onehot + ε/V.
    public var labelSmoothing: Float
    /// Divides the summed token losses instead of this batch's target-token count (e.g. the token count of several
    /// micro-batches that make one optimizer step); nil means this batch's count (transformers' mean).
    public var lossNormalizer: Int?

    public init(dropout: Double = 0.1, seed: UInt64 = 0, step: UInt32 = 0, labelSmoothing: Float = 0,
                lossNormalizer: Int? = nil) {
        self.dropout = dropout
        self.seed = seed
        self.step = step
        self.labelSmoothing = labelSmoothing
        self.lossNormalizer = lossNormalizer
    }

    /// Throws `.invalidInput` for a dropout outside [0, 1), smoothing outside [0, 1] or a normaliser below 1.
    func validate() throws(T5Error) {
        guard dropout >= 0 && dropout < 1 else { throw .invalidInput("dropout \(dropout) is outside [0, 1)") }
        guard labelSmoothing >= 0 && labelSmoothing <= 1 else {
            throw .invalidInput("label smoothing \(labelSmoothing) is outside [0, 1]")
        }
        if let lossNormalizer, lossNormalizer < 1 {
            throw .invalidInput("loss normalizer \(lossNormalizer) must be ≥ 1")
        }
    }
}
