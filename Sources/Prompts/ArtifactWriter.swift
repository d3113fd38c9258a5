// Crash-safe writes of artifact files (tensors and JSON) through SafeTensors' AtomicFile (temp + fsync + rename),
// with errors mapped to PromptsError.
import Foundation
import Kernels
import SafeTensors

enum ArtifactWriter {
    /// Atomically writes `tensors` (name, tensor) as an F32 safetensors file.
    static func writeTensors(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], to url: URL) throws(PromptsError) {
        let entries = tensors.map { SafeTensorsWriter.Entry(name: $0.0, shape: $0.1.shape, values: $0.1.array) }
        do { try SafeTensorsWriter.write(entries, metadata: metadata, to: url) } catch {
            throw .writeFailed(path: url.path, reason: error.description)
        }
    }

    /// Atomically writes `data` to `url` through `files`.
    static func writeFile(_ data: Data, to url: URL,
                          using files: any FileOperations = SystemFileOperations()) throws(PromptsError) {
        do { try AtomicFile.write(data, to: url, using: files) } catch {
            throw .writeFailed(path: url.path, reason: error.description)
        }
    }
}
