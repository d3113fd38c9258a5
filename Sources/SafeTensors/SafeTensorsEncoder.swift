// Encodes Float32 tensors into a .safetensors file stored as F32, F16 or BF16 (the safetensors format spec: 8-byte
// LE header length, JSON header padded with spaces to 8 bytes, raw little-endian data in name order). Narrowing
// rounds to nearest even, as torch's `.to(torch.bfloat16)` / `.half()`. Used to export whole checkpoints, reading
// each tensor straight from its memory; `SafeTensorsWriter` keeps its F32-from-arrays interface.
import Foundation

public struct SafeTensorsEncoder {
    /// The element type every tensor is stored as.
    public let dtype: DType
    private var entries: [(name: String, shape: [Int], bytes: Data)] = []

    public init(dtype: DType = .f32) {
        self.dtype = dtype
    }

    /// Adds tensor `name` of `shape` from `values` (row-major, `shape.reduce(1, *)` floats).
    public mutating func add(name: String, shape: [Int], values: UnsafeBufferPointer<Float>) {
        precondition(shape.reduce(1, *) == values.count, "tensor \(name): shape \(shape) does not hold \(values.count) values")
        var bytes = Data(count: values.count * dtype.byteSize)
        bytes.withUnsafeMutableBytes { raw in
            switch dtype {
            case .f32:
                for (i, value) in values.enumerated() { raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
            case .f16:
                for (i, value) in values.enumerated() { raw.storeBytes(of: Float16(value).bitPattern.littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
            case .bf16:
                for (i, value) in values.enumerated() { raw.storeBytes(of: Self.bfloat16(value).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
            }
        }
        entries.append((name, shape, bytes))
    }

    /// The file's bytes: tensors sorted by name (as the reference writer does), optional `__metadata__`.
    /// - Throws: `SafeTensorsError.writeFailed` for duplicate names or a header that cannot be serialised.
    public func encoded(metadata: [String: String] = [:], path: String = "<memory>") throws(SafeTensorsError) -> Data {
        let sorted = entries.sorted { $0.name < $1.name }
        var header: [String: Any] = [:]
        var offset = 0
        for entry in sorted {
            guard header[entry.name] == nil else { throw .writeFailed(path: path, reason: "duplicate tensor '\(entry.name)'") }
            header[entry.name] = ["dtype": dtype.rawValue, "shape": entry.shape, "data_offsets": [offset, offset + entry.bytes.count]]
            offset += entry.bytes.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json: Data
        do { json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]) } catch {
            throw .writeFailed(path: path, reason: "cannot serialise the header (\(error.localizedDescription))")
        }
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for entry in sorted { data.append(entry.bytes) }
        return data
    }

    /// Float32 → bfloat16 bits, rounding to nearest even; NaN stays a (quiet) NaN.
    public static func bfloat16(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
        let rounded = bits &+ (0x7FFF + ((bits >> 16) & 1))
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }
}
