// What the engine needs from the model and the tokenizer. `T5Backend` adapts `T5Model` + `Tokenizer`; the seam keeps
// the engine's batching loop independent of the model code (CTranslate2's decoding never knows its model).
// Every `ModelBackend` method is called only from the engine's dedicated model thread.
import Kernels
import T5

/// Model operations of one engine iteration. Called from the engine thread only, one call at a time.
public protocol ModelBackend: AnyObject, Sendable {
    /// Per-row encoder output (final hidden states and whatever the decoder caches from them).
    associatedtype Encoded
    /// Per-row greedy decoding state.
    associatedtype Sequence: AnyObject
    /// Per-request beam search state: K hypotheses, each a decoder row of the shared decode step.
    associatedtype Beam: AnyObject

    /// d_model.
    var dModel: Int { get }
    /// Human-readable model description (directory name, sizes) for `/readyz` and metrics.
    var modelDescription: String { get }
    /// The linear layers' precision for `/readyz` (`fp32` unless the backend says otherwise).
    var precisionDescription: String { get }

    /// Throws when `ids` holds an id outside the model's vocabulary (a tokenizer that does not fit the model).
    func validate(_ ids: [Int32]) throws
    /// Input embeddings of `ids`, (n, d). Throws for an id outside the vocabulary.
    func embed(_ ids: [Int32]) throws -> Tensor
    /// Encodes packed ragged rows `[P_i ; E[X_i]]` (the model assembles them). Returns one output per row.
    func encode(_ rows: [EncoderRow]) throws -> [Encoded]
    /// Starts decoding one row: greedy when `sampling` is nil, else as it says (its choice depends on the row's
    /// own logits, seed and position only, never on the batch).
    func startDecoding(_ encoded: Encoded, maxNewTokens: Int, sampling: SamplingParameters?) -> Sequence
    /// Starts a beam search (HF semantics, heuristic early stopping) for one row; no step has run yet.
    func startBeamSearch(_ encoded: Encoded, numBeams: Int, maxNewTokens: Int) -> Beam
    /// One batched decoder step for every sequence and every beam search given (none of them finished): each
    /// sequence gains a token, each search's K rows are decoded in the same pass and its hypotheses advance by one
    /// token. A row's result never depends on the other rows of the batch.
    func decodeStep(_ sequences: [Sequence], beams: [Beam]) throws
    /// Generated ids so far (after the decoder start token, `</s>` included once produced).
    func tokens(of sequence: Sequence) -> [Int32]
    /// Log-probabilities per generated token, when the sequence's sampling parameters ask for them.
    func logProbs(of sequence: Sequence) -> [StepLogProbs]
    /// `nil` while running; why it stopped once finished.
    func finishReason(of sequence: Sequence) -> FinishReason?
    /// nil while the search runs; once it ended, the best hypothesis' ids and why it stopped.
    func result(of beam: Beam) -> (ids: [Int32], reason: FinishReason)?
    /// Summed log-probabilities of each target sequence (ids, `</s>` included) given each row, in one batched pass.
    func score(_ items: [(encoded: Encoded, targets: [[Int32]])]) throws -> [[Double]]
}

extension ModelBackend {
    public var precisionDescription: String { "fp32" }
}

/// Text ↔ ids. Thread-safe.
public protocol TextCodec: Sendable {
    /// Ids of `text`, `</s>` appended.
    func encode(_ text: String) throws -> [Int32]
    /// Text of `ids`, special tokens removed.
    func decode(_ ids: [Int32]) -> String
    /// Id of `</s>`.
    var eosID: Int32 { get }
    /// The vocabulary entry of `id` (e.g. `▁Hello`), nil for an id outside the vocabulary.
    func piece(_ id: Int32) -> String?
}

extension TextCodec {
    public func piece(_ id: Int32) -> String? { decode([id]) }
}
