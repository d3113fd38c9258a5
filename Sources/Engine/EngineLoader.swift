// Builds a ready engine from a model directory (HF T5 checkpoint + tokenizer) and a tasks directory
// (Album task folders and PEFT adapter folders side by side; the folder name is the task name).
import Foundation
import Logging
import Kernels
import Metrics
import Prompts
import T5
import Tokenization

public enum EngineLoader {
    /// Loads the model, tokenizer and tasks.
    /// - Parameters:
    ///   - codec: text ↔ ids; `nil` loads the tokenizer of `modelDirectory`.
    ///   - maxPromptLength: most prompt rows an artifact may hold; its manifest limits are bounded by `configuration`.
    ///   - precision: the linear layers' precision (`T5Model.convert(to:)`).
    /// - Throws: the T5, Tokenization or Prompts error naming the file that failed.
    public static func load(modelDirectory: URL, tasksDirectory: URL, codec: (any TextCodec)? = nil,
                            configuration: EngineConfiguration = EngineConfiguration(),
                            maxPromptLength: Int = ArtifactLimits.defaultMaxPromptLength,
                            precision: Precision = .fp32,
                            metricsFactory: any MetricsFactory = MetricsSystem.factory,
                            logger: Logger = Logger(label: "album.engine")) throws -> Engine<T5Backend> {
        let backend = T5Backend(model: try T5Model.load(directory: modelDirectory, precision: precision),
                                name: modelDirectory.lastPathComponent)
        let codec = try codec ?? TokenizerCodec(tokenizer: try Tokenizer.load(directory: modelDirectory))
        let info = try BaseModelInfo(checkpoint: modelDirectory)
        let limits = ArtifactLimits(maxPromptLength: maxPromptLength, maxInputTokens: configuration.maxInputTokens,
                                    maxNewTokens: configuration.maxNewTokensLimit, maxLabels: configuration.maxCandidates)
        let registry = try TaskRegistry(directory: tasksDirectory, model: info, limits: limits)
        return Engine(backend: backend, codec: codec, registry: registry,
                      configuration: configuration, metricsFactory: metricsFactory, logger: logger)
    }
}
