// Read-only, memory-mapped .safetensors file (format: 8-byte LE header length, JSON header, raw data).
// Mirrors the reference reader in huggingface/safetensors: the header is validated up front (dtype, shape,
// offsets inside the file, sizes that match the shape), and tensor bytes are widened to Float32 straight from the map.
import Foundation

public final class SafeTensorsFile: @unchecked Sendable {
    public let path: String
    /// Tensors in header order, by name.
    public let tensors: [String: TensorInfo]
    /// The optional `__metadata__` string map.
    public let metadata: [String: String]

    private let base: UnsafeMutableRawPointer
    private let mappedLength: Int
    private let dataStart: Int

    /// Maps `url` and validates its header.
    /// - Throws: `SafeTensorsError` naming the file and, where relevant, the tensor.
    public init(url: URL) throws(SafeTensorsError) {
        path = url.path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        let size = Int(info.st_size)
        guard size >= 8 else { throw .truncated(path: path, reason: "\(size) bytes, shorter than the 8-byte header length") }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw .cannotOpen(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        base = mapped
        mappedLength = size
        do {
            // Compared as UInt64 first: a length of 2^63 or more must not trap in the conversion to Int.
            let declared = UInt64(littleEndian: mapped.loadUnaligned(as: UInt64.self))
            guard declared > 0, declared <= UInt64(size - 8) else {
                throw SafeTensorsError.truncated(path: path, reason: "header length \(declared) exceeds file size \(size)")
            }
            let headerLength = Int(declared)
            dataStart = 8 + headerLength
            let headerData = Data(bytes: mapped + 8, count: headerLength)
            (tensors, metadata) = try Self.parseHeader(headerData, path: path, dataLength: size - dataStart)
        } catch let error as SafeTensorsError {
            munmap(mapped, size)
            throw error
        } catch {
            munmap(mapped, size)
            throw .malformedHeader(path: path, reason: "\(error)")
        }
    }

    public convenience init(path: String) throws(SafeTensorsError) {
        try self.init(url: URL(fileURLWithPath: path))
    }

    deinit { munmap(base, mappedLength) }

    public var names: [String] { tensors.keys.sorted() }

    /// Widens tensor `name` to Float32 into `destination`, which must hold `info.elementCount` floats.
    public func read(_ name: String, into destination: UnsafeMutablePointer<Float>) throws(SafeTensorsError) {
        guard let info = tensors[name] else { throw .missingTensor(name: name) }
        info.dtype.convert(UnsafeRawPointer(base + dataStart + info.begin), into: destination, count: info.elementCount)
        releasePages(from: dataStart + info.begin, count: info.elementCount * info.dtype.byteSize)
    }

    /// Drops the mapped pages wholly inside bytes [offset, offset + count) from this process's resident set. They are
    /// clean (the map is private and never written), stay in the page cache, and fault back in from the file on a
    /// later read. A model load reads each tensor once, so its peak is the model plus one tensor's pages, not the
    /// whole file on top of the model.
    private func releasePages(from offset: Int, count: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard page > 0 else { return }
        let first = (offset + page - 1) / page * page, end = (offset + count) / page * page
        guard end > first else { return }
        _ = madvise(base + first, end - first, MADV_DONTNEED)
    }

    /// Tensor `name` as a Float32 array (row-major).
    public func floats(_ name: String) throws(SafeTensorsError) -> [Float] {
        guard let info = tensors[name] else { throw .missingTensor(name: name) }
        var result = [Float](repeating: 0, count: info.elementCount)
        guard !result.isEmpty else { return result }  // a zero-sized tensor has no storage to read into
        try result.withUnsafeMutableBufferPointer { (buffer) throws(SafeTensorsError) in
            guard let base = buffer.baseAddress else { return }
            try read(name, into: base)
        }
        return result
    }

    // MARK: Header validation

    private static func parseHeader(_ data: Data, path: String, dataLength: Int) throws(SafeTensorsError)
        -> ([String: TensorInfo], [String: String])
    {
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: data) } catch {
            throw .malformedHeader(path: path, reason: "header is not JSON (\(error.localizedDescription))")
        }
        guard let object = json as? [String: Any] else { throw .malformedHeader(path: path, reason: "header is not a JSON object") }
        var tensors: [String: TensorInfo] = [:]
        var metadata: [String: String] = [:]
        var ranges: [(Int, Int, String)] = []
        for (name, value) in object {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else { throw .malformedHeader(path: path, reason: "__metadata__ is not an object") }
                for (key, entry) in map {
                    guard let text = entry as? String else { throw .malformedHeader(path: path, reason: "__metadata__.\(key) is not a string") }
                    metadata[key] = text
                }
                continue
            }
            guard let entry = value as? [String: Any],
                  let dtypeName = entry["dtype"] as? String,
                  let shapeValues = entry["shape"] as? [Any],
                  let offsetValues = entry["data_offsets"] as? [Any], offsetValues.count == 2
            else { throw .malformedHeader(path: path, reason: "entry '\(name)' lacks dtype, shape or data_offsets") }
            guard let dtype = DType(rawValue: dtypeName) else { throw .unsupportedDType(path: path, tensor: name, dtype: dtypeName) }
            let shape = try shapeValues.map { (dim) throws(SafeTensorsError) -> Int in
                guard let dimension = CheckedSize.exactInteger(dim), dimension >= 0 else {
                    throw .malformedHeader(path: path, reason: "entry '\(name)' has a dimension that is not a non-negative integer")
                }
                return dimension
            }
            guard let begin = CheckedSize.exactInteger(offsetValues[0]), let end = CheckedSize.exactInteger(offsetValues[1]),
                  begin >= 0, end >= begin
            else { throw .badOffsets(path: path, tensor: name, reason: "offsets are not an increasing pair of integers") }
            guard end <= dataLength else {
                throw .truncated(path: path, reason: "tensor '\(name)' ends at byte \(end) but the data section has \(dataLength)")
            }
            // Checked: a shape such as [2^32, 2^32, 16] overflows Int and is reported, not trapped on.
            guard let expected = CheckedSize.byteCount(shape, elementSize: dtype.byteSize) else {
                throw .badOffsets(path: path, tensor: name, reason: "shape \(shape) is too large to address")
            }
            guard end - begin == expected else {
                throw .badOffsets(path: path, tensor: name, reason: "\(end - begin) bytes for shape \(shape) of \(dtypeName) (expected \(expected))")
            }
            tensors[name] = TensorInfo(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
            ranges.append((begin, end, name))
        }
        ranges.sort { $0.0 < $1.0 }
        for (previous, next) in zip(ranges, ranges.dropFirst()) where next.0 < previous.1 {
            throw .badOffsets(path: path, tensor: next.2, reason: "overlaps tensor '\(previous.2)'")
        }
        return (tensors, metadata)
    }
}
