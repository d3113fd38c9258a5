// Writes a .safetensors file (F32 only: everything Album produces is Float32), atomically via AtomicFile.
// Layout per the safetensors spec: 8-byte LE header length, JSON header padded with spaces to 8 bytes, raw data.
import Foundation

public enum SafeTensorsWriter {
    public struct Entry {
        public let name: String
        public let shape: [Int]
        public let values: [Float]
        public init(name: String, shape: [Int], values: [Float]) {
            precondition(shape.reduce(1, *) == values.count, "tensor \(name): shape \(shape) does not hold \(values.count) values")
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    /// Encodes `entries` (sorted by name, as the reference writer does) with optional `__metadata__`.
    public static func encode(_ entries: [Entry], metadata: [String: String] = [:]) -> Data {
        let sorted = entries.sorted { $0.name < $1.name }
        var header: [String: Any] = [:]
        var offset = 0
        for entry in sorted {
            let bytes = entry.values.count * 4
            header[entry.name] = ["dtype": "F32", "shape": entry.shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for entry in sorted {
            entry.values.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: UInt8.self) { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    /// Encodes and atomically writes `entries` to `url`.
    public static func write(_ entries: [Entry], metadata: [String: String] = [:], to url: URL) throws(SafeTensorsError) {
        try AtomicFile.write(encode(entries, metadata: metadata), to: url)
    }
}
