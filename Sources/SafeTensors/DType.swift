// Element types Album reads from safetensors files; every one is widened to Float32 on load.
// Mirrors the dtype strings of the safetensors format spec ("F32", "F16", "BF16").

public enum DType: String, Sendable, CaseIterable {
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"

    public var byteSize: Int { self == .f32 ? 4 : 2 }

    /// Widens `count` elements at `source` (little-endian, this dtype) into Float32 at `destination`.
    public func convert(_ source: UnsafeRawPointer, into destination: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .f32:
            // memcpy tolerates unaligned sources (safetensors only guarantees byte alignment).
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
        case .f16:
            for i in 0..<count {
                let bits = source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                destination[i] = Float(Float16(bitPattern: UInt16(littleEndian: bits)))
            }
        case .bf16:
            // bf16 is the top half of an IEEE float32: widening is exact.
            for i in 0..<count {
                let bits = source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                destination[i] = Float(bitPattern: UInt32(UInt16(littleEndian: bits)) << 16)
            }
        }
    }
}
