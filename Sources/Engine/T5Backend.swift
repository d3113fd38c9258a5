// The real model behind the engine: `T5Model` (packed ragged encoder, per-sequence decoding and beam searches in
// one decode step, scoring) and the `Tokenizer`. Thin adapters only; the numerics live in the T5 and Tokenization modules.
import Foundation
import Kernels
import T5
import Tokenization

/// `ModelBackend` over a resident `T5Model`.
public final class T5Backend: ModelBackend {
    public let model: T5Model
    public let modelDescription: String

    /// - Parameters:
    ///   - model: the loaded checkpoint.
    ///   - name: what `/readyz` and `album_model_info` call it (e.g. the model directory's name).
    public init(model: T5Model, name: String) {
        self.model = model
        self.modelDescription = name
    }

    /// Loads the checkpoint in `directory`.
    /// - Throws: `T5Error` when the checkpoint is missing, misshapen or has unused tensors.
    public convenience init(directory: URL) throws {
        self.init(model: try T5Model.load(directory: directory), name: directory.lastPathComponent)
    }

    public var dModel: Int { model.config.dModel }
    public var precisionDescription: String { model.precision.rawValue }
    public func validate(_ ids: [Int32]) throws { try model.validate(ids: ids) }
    public func embed(_ ids: [Int32]) throws -> Tensor { try model.embed(ids) }  // (n, d)
    public func encode(_ rows: [EncoderRow]) throws -> [EncoderOutput] { try model.encode(rows: rows) }
    public func startDecoding(_ encoded: EncoderOutput, maxNewTokens: Int,
                              sampling: SamplingParameters?) -> DecoderSequence {
        model.startDecoding(encoded, maxNewTokens: maxNewTokens, sampling: sampling)
    }
    public func logProbs(of sequence: DecoderSequence) -> [StepLogProbs] { sequence.logProbs }
    public func decodeStep(_ sequences: [DecoderSequence], beams: [BeamSearchState]) throws {
        model.decodeStep(sequences, beams: beams)
    }
    public func tokens(of sequence: DecoderSequence) -> [Int32] { sequence.tokens }
    public func finishReason(of sequence: DecoderSequence) -> FinishReason? {
        sequence.finishReason
    }
    public func startBeamSearch(_ encoded: EncoderOutput, numBeams: Int, maxNewTokens: Int) -> BeamSearchState {
        model.startBeamSearch(encoded, numBeams: numBeams, maxNewTokens: maxNewTokens, stopping: .heuristic)
    }
    public func result(of beam: BeamSearchState) -> (ids: [Int32], reason: FinishReason)? {
        guard let ids = beam.result else { return nil }
        return (ids, ids.last == Int32(model.config.eosTokenID) ? .eos : .length)
    }
    public func score(_ items: [(encoded: EncoderOutput, targets: [[Int32]])]) throws -> [[Double]] {
        try model.score(items)
    }
}

/// `TextCodec` over a `Tokenizer`.
public struct TokenizerCodec: TextCodec {
    public let tokenizer: Tokenizer
    public init(tokenizer: Tokenizer) { self.tokenizer = tokenizer }
    public func encode(_ text: String) throws -> [Int32] { tokenizer.encode(text) }
    public func decode(_ ids: [Int32]) -> String { tokenizer.decode(ids, skipSpecialTokens: true) }
    public var eosID: Int32 { tokenizer.eosTokenID ?? 1 }
    public func piece(_ id: Int32) -> String? {
        guard id >= 0 && Int(id) < tokenizer.vocabSize else { return nil }
        return tokenizer.tokens([id])[0]
    }
}
