// Multipart parsing of task uploads: which name a part is stored under, and malformed bodies.
import Foundation
@testable import Server
import Testing

@Suite struct MultipartFormTests {
    @Test func partIsStoredUnderItsFieldName() {
        // `curl -F prompt.safetensors=@/tmp/anything.bin` sends name="prompt.safetensors"; filename="anything.bin".
        #expect(MultipartForm.partName(#"Content-Disposition: form-data; name="prompt.safetensors"; filename="anything.bin""#)
                == "prompt.safetensors")
        #expect(MultipartForm.partName(#"Content-Disposition: form-data; name=""; filename="dir/task.json""#) == "task.json")
        #expect(MultipartForm.partName(#"Content-Disposition: form-data; name="..""#) == nil)
        #expect(MultipartForm.partName("Content-Type: text/plain") == nil)
    }

    @Test func filesAreSplitExactly() throws {
        let boundary = "XyZ"
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"a.json\"; filename=\"x\"\r\n\r\n{\"k\": 1}\r\n"
            + "--XyZ\r\nContent-Disposition: form-data; name=\"b.bin\"\r\n\r\n\r\nB\r\n--XyZ--\r\n"
        let files = try MultipartForm.files(in: Array(body.utf8), boundary: boundary)
        #expect(files["a.json"].map { String(decoding: $0, as: UTF8.self) } == "{\"k\": 1}")
        #expect(files["b.bin"].map { String(decoding: $0, as: UTF8.self) } == "\r\nB")
        #expect(throws: (any Error).self) { try MultipartForm.files(in: Array("garbage".utf8), boundary: boundary) }
    }

    @Test func partsOpenAfterAPreambleAndDataMayHoldTheBoundaryMidLine() throws {
        // RFC 2046: a delimiter is CRLF + "--" + boundary; "--XyZ" inside a line is data.
        let body = "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx--XyZy\r\n--XyZ--\r\n"
        let files = try MultipartForm.files(in: Array(body.utf8), boundary: "XyZ")
        #expect(files["a"].map { String(decoding: $0, as: UTF8.self) } == "x--XyZy")
        #expect(throws: (any Error).self) {
            try MultipartForm.files(in: Array("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end".utf8), boundary: "XyZ")
        }
        #expect(throws: (any Error).self) { try MultipartForm.files(in: Array(body.utf8), boundary: String(repeating: "b", count: 71)) }
    }

    /// Knuth–Morris–Pratt agrees with a naive search on random bytes over a small alphabet (many near-matches), and
    /// a megabyte of dashes against a 16 KiB needle of dashes ending in "x" is one pass (a naive search compares
    /// 16 Ki bytes at each of 1 Mi positions).
    @Test func linearSearchMatchesNaiveSearchAndStaysLinear() {
        var generator = SystemRandomNumberGenerator()
        func naive(_ needle: [UInt8], _ haystack: [UInt8], from: Int) -> Int? {
            guard needle.count <= haystack.count - from else { return nil }
            return (from...(haystack.count - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
        }
        for _ in 0..<500 {
            let haystack = (0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...2, using: &generator) }
            let needle = (0..<Int.random(in: 1...5, using: &generator)).map { _ in UInt8.random(in: 0...2, using: &generator) }
            let from = haystack.isEmpty ? 0 : Int.random(in: 0..<haystack.count, using: &generator)
            #expect(LinearSearch(needle).firstIndex(in: haystack, from: from) == naive(needle, haystack, from: from),
                    "\(needle) in \(haystack) from \(from)")
        }
        let dashes = [UInt8](repeating: UInt8(ascii: "-"), count: 1 << 20)
        let needle = [UInt8](repeating: UInt8(ascii: "-"), count: 16 << 10) + [UInt8(ascii: "x")]
        let start = ContinuousClock.now
        #expect(LinearSearch(needle).firstIndex(in: dashes, from: 0) == nil)
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < .seconds(1), "1 MiB scanned for a 16 KiB needle in \(elapsed)")
        print("KMP: 1 MiB of dashes, 16 KiB needle: \(elapsed)")
    }

    /// The parser on a megabyte of near-misses of a 70-character delimiter: one pass.
    @Test func aMegabyteOfNearMissesIsParsedInOnePass() throws {
        let boundary = String(repeating: "-", count: 70)
        let nearMiss = "\r\n--" + String(boundary.dropLast()) + "x"
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n".utf8)
        for _ in 0..<((1 << 20) / nearMiss.utf8.count) { body += Array(nearMiss.utf8) }
        let closed = body + Array("\r\n--\(boundary)--\r\n".utf8)
        let start = ContinuousClock.now
        #expect(throws: (any Error).self) { try MultipartForm.files(in: body, boundary: boundary) }
        let files = try MultipartForm.files(in: closed, boundary: boundary)
        let elapsed = ContinuousClock.now - start
        #expect(files["a"]?.count == ((1 << 20) / nearMiss.utf8.count) * nearMiss.utf8.count)
        #expect(elapsed < .seconds(2), "two 1 MiB bodies parsed in \(elapsed)")
        print("multipart parser: two 1 MiB bodies of near-misses, 70-character boundary: \(elapsed)")
    }
}
