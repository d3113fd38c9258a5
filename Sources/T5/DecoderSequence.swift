// Per-sequence decoding state for iteration-level batching: generated tokens, finish state and a self-attention
// KV cache preallocated for `maxNewTokens` positions (appending is O(1); nothing is allocated per token).
import Kernels

public enum FinishReason: String, Sendable, Equatable {
    /// The model produced EOS (included in `tokens`).
    case eos
    /// `maxNewTokens` tokens were generated without EOS.
    case length
    /// The text reached one of the request's stop sequences (decided by the serving engine, which reads text).
    case stop
}

public final class DecoderSequence: @unchecked Sendable {
    public let encoded: EncoderOutput
    public let maxNewTokens: Int
    /// Generated ids after the decoder start token; EOS included when produced.
    public private(set) var tokens: [Int32] = []
    public private(set) var finishReason: FinishReason?
    public var isFinished: Bool { finishReason != nil }
    /// How tokens are chosen; nil is greedy (argmax).
    public let sampling: SamplingParameters?
    /// One entry per generated token when `sampling?.logprobs` is set.
    public private(set) var logProbs: [StepLogProbs] = []

    /// Self-attention keys and values per decoder layer: (numDecoderLayers, maxNewTokens, inner) each.
    let selfKeys: Tensor
    let selfValues: Tensor
    /// Decoder positions already in the cache (= inputs consumed).
    var position = 0
    /// The next decoder input: the start token, then the last generated token.
    var nextInput: Int32
    /// Unidirectional relative-bias rows, (numHeads, 2·capacity - 1), capacity ≥ maxNewTokens.
    let biasVectors: Tensor
    let biasCapacity: Int
    let eosTokenID: Int32
    let startToken: Int32

    init(encoded: EncoderOutput, maxNewTokens: Int, layers: Int, inner: Int, startToken: Int32, eosTokenID: Int32,
         biasVectors: Tensor, biasCapacity: Int, sampling: SamplingParameters? = nil) {
        precondition(maxNewTokens >= 0, "maxNewTokens must be ≥ 0, got \(maxNewTokens)")
        precondition(biasCapacity >= maxNewTokens)
        self.encoded = encoded
        self.maxNewTokens = maxNewTokens
        let slots = max(maxNewTokens, 1)
        selfKeys = Tensor(uninitialized: [layers, slots, inner])
        selfValues = Tensor(uninitialized: [layers, slots, inner])
        nextInput = startToken
        self.eosTokenID = eosTokenID
        self.biasVectors = biasVectors
        self.biasCapacity = biasCapacity
        self.sampling = sampling
        self.startToken = startToken
        tokens.reserveCapacity(maxNewTokens)
        if maxNewTokens == 0 { finishReason = .length }
    }

    /// Records the log-probabilities of the step whose token is appended next.
    func recordLogProbs(_ step: StepLogProbs) { logProbs.append(step) }

    /// Records the token chosen for the position just computed.
    func append(_ token: Int32) {
        precondition(!isFinished, "append to a finished sequence")
        tokens.append(token)
        nextInput = token
        if token == eosTokenID {
            finishReason = .eos
        } else if tokens.count >= maxNewTokens {
            finishReason = .length
        }
    }

    /// Key (isValue == false) or value cache row pointer of `layer` at `position`.
    func cache(_ isValue: Bool, layer: Int, position: Int) -> UnsafeMutablePointer<Float> {
        let tensor = isValue ? selfValues : selfKeys
        let slots = tensor.shape[1], inner = tensor.shape[2]
        return tensor.data + (layer * slots + position) * inner
    }

    /// Makes this sequence a copy of `other` (beam reordering): tokens, finish state and the cache prefix.
    func copyState(from other: DecoderSequence) {
        guard other !== self else { return }
        precondition(selfKeys.shape == other.selfKeys.shape, "beam caches differ in shape")
        tokens = other.tokens
        finishReason = other.finishReason
        position = other.position
        nextInput = other.nextInput
        let layers = selfKeys.shape[0], slots = selfKeys.shape[1], inner = selfKeys.shape[2]
        for layer in 0..<layers {
            let offset = layer * slots * inner
            (selfKeys.data + offset).update(from: other.selfKeys.data + offset, count: position * inner)
            (selfValues.data + offset).update(from: other.selfValues.data + offset, count: position * inner)
        }
    }

    /// Beam search bookkeeping: set the running token list directly (the cache already holds its prefix).
    func setTokens(_ newTokens: [Int32], finished: FinishReason?) {
        tokens = newTokens
        finishReason = finished
        if let last = newTokens.last { nextInput = last }
    }
}
