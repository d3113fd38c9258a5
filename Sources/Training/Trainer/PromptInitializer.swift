// Initial prompts (spec §3): `vocab` (l distinct rows of the first 5000 embedding rows, ATTEMPT's
// permutation(range(5000))[:l], seeded), `random` (U(−0.5, 0.5)), `text:` (the text's token embeddings repeated or
// cut to l rows, PEFT's TEXT init) and `file:` (SPoT transfer: an Album prompt or PEFT adapter folder, rows 0..l−1,
// an album entry, or a T5X .npy).
import Foundation
import Kernels
import Prompts
import T5
import Tokenization

public enum PromptInitializer {
    /// Rows 0..<min(5000, V) of the embedding table are the population.
    public static let vocabularyPopulation = 5000

    public static func vocab(model: T5Model, length: Int, seed: UInt64) throws(TrainingError) -> Tensor {
        let population = min(vocabularyPopulation, model.config.vocabSize)
        var ids = (0..<population).map(Int32.init)
        var rng = SplitMix64(seed: seed ^ 0x5EED_1417)
        rng.shuffle(&ids)
        var chosen = Array(ids.prefix(length))
        while chosen.count < length { chosen.append(ids[Int(rng.next(below: UInt64(population)))]) }  // l > population
        do { return try model.embed(chosen) } catch { throw .setup("\(error)") }
    }

    public static func random(length: Int, dModel: Int, seed: UInt64) -> Tensor {
        var rng = SplitMix64(seed: seed ^ 0x5EED_1417)
        let tensor = Tensor(uninitialized: [length, dModel])
        for i in 0..<tensor.count { tensor.data[i] = Float(Double(rng.next() >> 11) / 9_007_199_254_740_992) - 0.5 }
        return tensor
    }

    public static func text(_ text: String, model: T5Model, tokenizer: Tokenizer, length: Int) throws(TrainingError) -> Tensor {
        let ids = tokenizer.encode(text, addSpecialTokens: false)
        guard !ids.isEmpty else { throw .setup("--init text: \"\(text)\" has no tokens") }
        let rows = (0..<length).map { ids[$0 % ids.count] }
        do { return try model.embed(rows) } catch { throw .setup("\(error)") }
    }

    /// A prompt from `path`: an Album static task or PEFT adapter folder, an album folder (its entry `entry`, default
    /// the last), or a `.npy`; rows 0..l−1 are taken.
    public static func file(_ path: String, model: BaseModelInfo, length: Int, entry: Int? = nil) throws(TrainingError) -> Tensor {
        let full = try file(path, model: model, entry: entry)
        guard full.shape[0] >= length else {
            throw .setup("--init file: \(path) holds a \(full.shape) prompt; need at least \(length) rows")
        }
        let out = Tensor(uninitialized: [length, model.dModel])
        out.data.update(from: full.data, count: out.count)
        return out
    }

    /// The whole (rows, d) prompt in `path` (see `file(_:model:length:entry:)`).
    public static func file(_ path: String, model: BaseModelInfo, entry: Int? = nil) throws(TrainingError) -> Tensor {
        let url = URL(fileURLWithPath: path)
        let full: Tensor
        do {
            if path.hasSuffix(".npy") {
                full = try NumpyArray.read(url)
            } else {
                switch try ArtifactLoader.load(directory: url, name: url.lastPathComponent, version: 0, model: model, albums: [:]) {
                case .task(let task):
                    guard case .fixed(let prompt) = task.prompt else { throw TrainingError.setup("\(path): an \(task.kind.rawValue) task has no single prompt") }
                    full = prompt
                case .album(let album):
                    let index = entry ?? album.count - 1
                    guard album.prompts.shape[0] > index, index >= 0 else { throw TrainingError.setup("\(path): no album entry \(index)") }
                    full = albumEntry(album, index)
                case .subspace:
                    throw TrainingError.setup("\(path): an IPT subspace is not a prompt (use an ipt task, or --init project: in train ipt)")
                }
            }
        } catch let error as TrainingError { throw error } catch { throw .setup("--init file: \(error)") }
        guard full.rank == 2, full.shape[1] == model.dModel, full.shape[0] >= 1 else {
            throw .setup("--init file: \(path) holds a \(full.shape) prompt; need rows of width \(model.dModel)")
        }
        return full
    }

    /// Entry `index` (l, d) of an album.
    public static func albumEntry(_ album: PromptAlbum, _ index: Int) -> Tensor {
        let size = album.promptLength * album.dModel
        let out = Tensor(uninitialized: [album.promptLength, album.dModel])
        out.data.update(from: album.prompts.data + index * size, count: size)
        return out
    }
}
