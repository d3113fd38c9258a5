// Overflow-checked sizes for shapes and byte counts read from untrusted files, and exact JSON integers.
// Every size, offset or element count derived from a file goes through here: nil means "does not fit in an Int",
// which the caller reports as an invalid file instead of trapping.
import Foundation

public enum CheckedSize {
    /// The product of `shape` (1 for a scalar), or nil when a dimension is negative or the product overflows.
    public static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// Bytes of a tensor of `shape` with `elementSize`-byte elements, or nil on a negative dimension or overflow.
    public static func byteCount(_ shape: [Int], elementSize: Int) -> Int? {
        guard let count = elementCount(shape) else { return nil }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: elementSize)
        return overflow ? nil : bytes
    }

    /// `a + b`, or nil on overflow.
    public static func sum(_ a: Int, _ b: Int) -> Int? {
        let (total, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : total
    }

    /// A JSON number (as `JSONSerialization` returns it) that is exactly an integer representable as `Int`:
    /// nil for booleans, fractions (8.5), values past `Int.max` or `Int.min`, and non-numbers.
    public static func exactInteger(_ value: Any) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        switch String(cString: number.objCType) {
        case "c", "B": return nil  // true / false
        case "d", "f": return Int(exactly: number.doubleValue)
        case "Q", "L", "I", "S", "C": return Int(exactly: number.uint64Value)
        default: return Int(exactly: number.int64Value)
        }
    }
}
