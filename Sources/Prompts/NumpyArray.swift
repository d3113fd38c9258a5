// Reader for NumPy `.npy` files (format versions 1.0–3.0) holding a little-endian float32 or float16 C-order array:
// the format T5X / the prompt-tuning repository uses for released prompts (spec §3, e.g. `sst2.npy` (100, 768)).
import Foundation
import Kernels
import SafeTensors

public enum NumpyArray {
    /// Parses the `.npy` file at `url` into a Float32 tensor.
    /// - Throws: `PromptsError.unreadable` for a bad magic, header, dtype, Fortran order or size.
    public static func read(_ url: URL) throws(PromptsError) -> Tensor {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw .unreadable(path: url.path, reason: error.localizedDescription)
        }
        func fail(_ reason: String) -> PromptsError { .unreadable(path: url.path, reason: "not a supported .npy file: \(reason)") }
        // Only the preamble and header are copied; the data section is read in place.
        let bytes = [UInt8](data.prefix(12 + 65_535))
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else { throw fail("bad magic") }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1: headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            // NumPy writes headers of a few hundred bytes; a longer one is not a prompt file.
            guard headerLength <= 65_535 else { throw fail("header of \(headerLength) bytes") }
            headerStart = 12
        default: throw fail("format version \(major)")
        }
        guard headerStart + headerLength <= bytes.count,
              let header = String(bytes: bytes[headerStart..<headerStart + headerLength], encoding: major == 3 ? .utf8 : .isoLatin1)
        else { throw fail("truncated header") }
        guard let descr = value(of: "descr", in: header) else { throw fail("no 'descr'") }
        let elementSize: Int
        switch descr {
        case "'<f4'", "\"<f4\"": elementSize = 4
        case "'<f2'", "\"<f2\"": elementSize = 2
        default: throw fail("dtype \(descr); only little-endian float32 ('<f4') and float16 ('<f2') are supported")
        }
        guard let order = value(of: "fortran_order", in: header), order == "False" else { throw fail("Fortran-order arrays are not supported") }
        guard let shapeText = value(of: "shape", in: header), shapeText.hasPrefix("("), shapeText.hasSuffix(")") else { throw fail("no 'shape'") }
        let shape = try shapeText.dropFirst().dropLast().split(separator: ",").map { (part) throws(PromptsError) -> Int in
            guard let dim = Int(part.trimmingCharacters(in: .whitespaces)), dim >= 0 else { throw fail("bad shape \(shapeText)") }
            return dim
        }
        // Checked: a shape such as (2^62, 4) overflows Int and is reported, not trapped on.
        guard let count = CheckedSize.elementCount(shape), let expected = CheckedSize.byteCount(shape, elementSize: elementSize) else {
            throw fail("shape \(shape) is too large")
        }
        let start = headerStart + headerLength
        guard data.count - start == expected else {
            throw fail("\(data.count - start) data bytes for shape \(shape) (expected \(expected))")
        }
        let tensor = Tensor(uninitialized: shape)
        data.withUnsafeBytes { raw in
            let base = raw.baseAddress! + start
            for i in 0..<count {
                if elementSize == 4 {
                    tensor.data[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                } else {
                    tensor.data[i] = Float(Float16(bitPattern: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
                }
            }
        }
        return tensor
    }

    /// The raw text of `key`'s value in a Python dict literal such as `{'descr': '<f4', 'shape': (3, 4), }`.
    private static func value(of key: String, in header: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)':") ?? header.range(of: "\"\(key)\":") else { return nil }
        let rest = header[keyRange.upperBound...].drop(while: { $0 == " " })
        if rest.hasPrefix("(") {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) ?? rest.endIndex
        return rest[..<end].trimmingCharacters(in: .whitespaces)
    }
}
