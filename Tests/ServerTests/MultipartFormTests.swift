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
}
