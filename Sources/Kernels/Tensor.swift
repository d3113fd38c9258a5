// Tensor: a contiguous, 64-byte-aligned, row-major Float32 buffer with a shape.
// Mirrors the role of llm.c's raw float buffers: kernels take pointers and dimensions, Tensor only owns memory.
// Reference semantics: copies of a Tensor share storage (like a PyTorch tensor), so kernels may write through
// `data` of a `let` value. Use `clone()` for an independent copy.
import Foundation

/// Owns one aligned allocation; freed when the last Tensor referencing it goes away.
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    init(count: Int) {
        self.count = count
        var raw: UnsafeMutableRawPointer?
        // 64-byte alignment matches an AVX-512 register and a cache line (perf notes §1.2).
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("Tensor allocation of \(bytes) bytes failed")
        }
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    deinit { free(pointer) }
}

public struct Tensor: @unchecked Sendable, CustomStringConvertible {
    public let shape: [Int]
    public let storage: TensorStorage

    /// Zero-filled tensor of `shape`.
    public init(zeros shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        storage = TensorStorage(count: shape.reduce(1, *))
        storage.pointer.initialize(repeating: 0, count: storage.count)
    }

    /// Uninitialised tensor of `shape` (for outputs a kernel fully overwrites).
    public init(uninitialized shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        storage = TensorStorage(count: shape.reduce(1, *))
    }

    /// Copies `values` into a new tensor of `shape`; `values.count` must equal the element count.
    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        self.init(uninitialized: shape)
        values.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    /// A view of the same storage with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return Tensor(shape: newShape, storage: storage)
    }

    private init(shape: [Int], storage: TensorStorage) {
        self.shape = shape
        self.storage = storage
    }

    public var count: Int { storage.count }
    public var rank: Int { shape.count }
    /// Base pointer of the row-major data.
    public var data: UnsafeMutablePointer<Float> { storage.pointer }
    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: data, count: count) }
    public var array: [Float] { Array(buffer) }

    /// Pointer to row `index` of the tensor viewed as (shape[0], rest).
    public func row(_ index: Int) -> UnsafeMutablePointer<Float> {
        precondition(rank >= 1 && index >= 0 && index < shape[0], "row \(index) out of range for \(shape)")
        return data + index * (count / max(shape[0], 1))
    }

    /// An independent copy.
    public func clone() -> Tensor {
        let copy = Tensor(uninitialized: shape)
        copy.data.update(from: data, count: count)
        return copy
    }

    public subscript(flat index: Int) -> Float {
        get { data[index] }
        nonmutating set { data[index] = newValue }
    }

    public var description: String { "Tensor\(shape)" }
}
