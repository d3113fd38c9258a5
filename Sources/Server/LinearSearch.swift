// Knuth–Morris–Pratt search for a byte string: O(needle) to prepare, O(haystack) to scan, whatever the bytes.
// The multipart reader uses it so that a body of repeated near-matches (a megabyte of dashes against a boundary of
// dashes) costs one pass instead of one comparison per byte per boundary character.

struct LinearSearch {
    let needle: [UInt8]
    /// failure[i]: length of the longest proper prefix of needle[0...i] that is also its suffix.
    private let failure: [Int]

    var count: Int { needle.count }

    init(_ needle: [UInt8]) {
        self.needle = needle
        var failure = [Int](repeating: 0, count: needle.count)
        var k = 0
        for i in needle.indices.dropFirst() {
            while k > 0 && needle[i] != needle[k] { k = failure[k - 1] }
            if needle[i] == needle[k] { k += 1 }
            failure[i] = k
        }
        self.failure = failure
    }

    /// The first index ≥ `from` at which the needle starts and ends before `to` (default: the end), or nil.
    func firstIndex(in haystack: [UInt8], from: Int, to: Int? = nil) -> Int? {
        let end = min(to ?? haystack.count, haystack.count)
        guard !needle.isEmpty, from >= 0, from < end else { return nil }
        var matched = 0
        for i in from..<end {
            let byte = haystack[i]
            while matched > 0 && byte != needle[matched] { matched = failure[matched - 1] }
            if byte == needle[matched] { matched += 1 }
            if matched == needle.count { return i - needle.count + 1 }
        }
        return nil
    }
}
