// `album inspect`: what a checkpoint is (config summary, parameters, stored dtypes, T5 variant) and what this
// machine will run it with (OpenBLAS core type and how it was chosen, CPU features, allocator).
import ArgumentParser
import CJemalloc
import CKernels
import Foundation
import Kernels
import T5

struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Describe a checkpoint.")

    @OptionGroup var options: ModelOptions

    @Flag(name: .long, help: "Print the description as JSON.")
    var json = false

    struct Report: Encodable {
        let model_type: String
        let variant: String
        let vocab_size: Int
        let d_model: Int
        let d_kv: Int
        let d_ff: Int
        let num_heads: Int
        let num_layers: Int
        let num_decoder_layers: Int
        let relative_attention_num_buckets: Int
        let relative_attention_max_distance: Int
        let layer_norm_epsilon: Double
        let feed_forward_proj: String
        let lm_head: String
        let decoder_output_scale: Double
        let parameters: Int
        let stored_dtypes: [String]
        let precision: String
        let projection_bytes: Int
        let int8_kernel: String
        let bf16_kernel: String
        let blas_core: String
        let blas_core_source: String
        let blas_threads: Int
        let blas_config: String
        let cpu_features: String
        let kernel_isa_cap: String
        let allocator: String
    }

    func run() async throws {
        let model = try options.loadModel()
        let c = model.config
        let (activation, gated) = try c.feedForward()
        let report = Report(
            model_type: c.modelType, variant: Self.variant(model), vocab_size: c.vocabSize, d_model: c.dModel,
            d_kv: c.dKV, d_ff: c.dFF, num_heads: c.numHeads, num_layers: c.numLayers,
            num_decoder_layers: c.numDecoderLayers, relative_attention_num_buckets: c.relativeAttentionNumBuckets,
            relative_attention_max_distance: c.relativeAttentionMaxDistance, layer_norm_epsilon: c.layerNormEpsilon,
            feed_forward_proj: "\(c.feedForwardProj) (\(gated ? "gated " : "")\(activation.rawValue))",
            lm_head: model.hasSeparateLMHead ? "separate lm_head.weight" : "tied to the shared embedding",
            decoder_output_scale: c.scalesDecoderOutput ? pow(Double(c.dModel), -0.5) : 1,
            parameters: model.parameterCount, stored_dtypes: model.storedDTypes, precision: model.precision.rawValue,
            projection_bytes: model.projectionBytes, int8_kernel: Self.int8Kernel, bf16_kernel: Self.bf16Kernel,
            blas_core: BLAS.coreName, blas_core_source: BLAS.coreTypeSource, blas_threads: BLAS.threads,
            blas_config: BLAS.config, cpu_features: String(cString: album_cpu_features()),
            kernel_isa_cap: Self.isaCap,
            allocator: Self.allocator)
        if json {
            print(try JSONOutput.render(report))
            return
        }
        print("""
            model        \(options.model)
            variant      \(report.variant)
            shape        d_model \(c.dModel), \(c.numHeads) heads × d_kv \(c.dKV) (inner \(c.innerDim)), d_ff \(c.dFF), \
            vocab \(c.vocabSize)
            layers       encoder \(c.numLayers), decoder \(c.numDecoderLayers)
            rel. bias    \(c.relativeAttentionNumBuckets) buckets, max distance \(c.relativeAttentionMaxDistance)
            layer norm   eps \(c.layerNormEpsilon)
            ffn          \(report.feed_forward_proj)
            lm head      \(report.lm_head), decoder output × \(report.decoder_output_scale)
            parameters   \(model.parameterCount) (\(String(format: "%.1f", Double(model.parameterCount) / 1e6))M)
            stored dtype \(model.storedDTypes.joined(separator: ", "))
            precision    \(report.precision) linear layers (\(report.projection_bytes / 1_000_000) MB)
            int8         \(report.int8_kernel)
            bf16         \(report.bf16_kernel)
            BLAS         \(report.blas_core) (core type: \(report.blas_core_source)), \(report.blas_threads) thread(s)
            BLAS build   \(report.blas_config)
            CPU          \(report.cpu_features)
            kernels      up to \(report.kernel_isa_cap) (ALBUM_CPU_ISA)
            allocator    \(report.allocator)
            """)
    }

    /// "T5 v1.0 …", "T5 v1.1 / flan …", "mT5 …" from the architecture switches that matter at inference.
    /// How int8 products run on this CPU.
    static var int8Kernel: String {
        album_int8_has_vnni() != 0 ? "oneDNN u8s8s32 (AVX-512 VNNI, 8-bit activations and weights)"
            : "oneDNN u8s8s32 (no VNNI: 7-bit activations against int16 saturation)"
    }

    /// The instruction-set cap of Album's kernels (`ALBUM_CPU_ISA`).
    static var isaCap: String {
        switch Int(album_isa_cap()) {
        case Int(ALBUM_ISA_AVX2): "avx2"
        case Int(ALBUM_ISA_PORTABLE): "portable"
        default: "avx512"
        }
    }

    /// How bf16 products run on this CPU.
    static var bf16Kernel: String {
        BF16Weight.Layout.preferred == .pairedPanels ? "computed in bf16 (AVX-512 BF16 vdpbf16ps, fp32 sums)"
            : "weights widened to fp32 (no AVX-512 BF16)"
    }

    static func variant(_ model: T5Model) -> String {
        let c = model.config
        let (activation, gated) = (try? c.feedForward()) ?? (.relu, false)
        let family: String
        if c.modelType == "mt5" {
            family = "mT5"
        } else if !gated && activation == .relu && !model.hasSeparateLMHead && c.scalesDecoderOutput {
            family = "T5 v1.0"
        } else if gated && model.hasSeparateLMHead && !c.scalesDecoderOutput {
            family = "T5 v1.1 / LM-adapt / flan"
        } else {
            family = "T5 (custom)"
        }
        let head = model.hasSeparateLMHead ? "untied" : "tied"
        return "\(family): \(gated ? "gated-" : "")\(activation.rawValue) FFN, \(head) LM head"
            + (c.scalesDecoderOutput ? ", output × d_model^-0.5" : "")
    }

    /// "jemalloc 5.3.0-…" when jemalloc is linked in (it replaces malloc process-wide), else the system malloc.
    static var allocator: String {
        var version: UnsafePointer<CChar>?
        var size = MemoryLayout<UnsafePointer<CChar>?>.size
        guard mallctl("version", &version, &size, nil, 0) == 0, let version else { return "system malloc" }
        return "jemalloc \(String(cString: version))"
    }
}
