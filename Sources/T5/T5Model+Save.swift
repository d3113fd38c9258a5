// Saves the model as a Hugging Face T5 checkpoint that transformers' T5ForConditionalGeneration.from_pretrained and
// `T5Model.load` read back: config.json (T5Config+Checkpoint.swift) and model.safetensors with HF names and (out, in)
// layouts, the fused q|k|v, wi_0|wi_1 and cross-K/V split back (`parameters`), the embedding as `shared.weight`,
// `lm_head.weight` only when the head is untied. Mirrors PreTrainedModel.save_pretrained (single file, F32 default).
import Foundation
import SafeTensors

extension T5Model {
    /// Writes `config.json` and `model.safetensors` into `directory` (created if needed). Each file is replaced
    /// atomically (AtomicFile: temporary + fsync + rename), weights first, so a crash leaves either the old
    /// config or a complete new pair.
    /// - Parameter dtype: F32 (exact), or BF16 / F16 (rounded to nearest even).
    /// - Throws: `T5Error.checkpoint(.writeFailed)` naming the path that could not be written.
    public func save(directory: URL, dtype: DType = .f32) throws(T5Error) {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .checkpoint(.writeFailed(path: directory.path, reason: error.localizedDescription))
        }
        let weightsURL = directory.appendingPathComponent("model.safetensors")
        var encoder = SafeTensorsEncoder(dtype: dtype)
        for parameter in parameters {
            // HF's tied aliases (encoder/decoder.embed_tokens) are saved once, under the shared name.
            let name = T5Weights.embeddingAliases.contains(parameter.name) ? "shared.weight" : parameter.name
            let value = parameter.value
            encoder.add(name: name, shape: value.shape, values: UnsafeBufferPointer(start: value.data, count: value.count))
        }
        do {
            try AtomicFile.write(encoder.encoded(metadata: ["format": "pt"], path: weightsURL.path), to: weightsURL)
            let json = try config.checkpointJSON(separateLMHead: hasSeparateLMHead, dtype: dtype)
            try AtomicFile.write(json, to: directory.appendingPathComponent("config.json"))
        } catch let error as SafeTensorsError {
            throw .checkpoint(error)
        } catch let error as T5Error {
            throw error
        } catch {
            throw .checkpoint(.writeFailed(path: directory.path, reason: "\(error)"))
        }
    }
}
