// One entry of a safetensors header: dtype, shape and byte range inside the data section.

public struct TensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    /// Byte range relative to the start of the data section (after the 8-byte length and the JSON header).
    public let begin: Int
    public let end: Int

    public var elementCount: Int { shape.reduce(1, *) }
}
