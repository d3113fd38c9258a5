// `X-Request-ID`: a client id of 1–128 visible ASCII characters is echoed in the header and in error bodies; any
// other value (too long, empty, with spaces or control characters, non-ASCII) is replaced by a generated id, which is
// lowercase hex (a random prefix and a 16-digit counter) and differs per request.
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import ServerAPI
import Testing

@Suite struct RequestIDTests {
    static let header = HTTPField.Name("X-Request-ID")!

    /// Sends a request that fails (unknown task) with `id`, and returns the id of the header and of the error body.
    func ids(sending id: String?) async throws -> [String?] {
        try await Harness().app().test(.router) { client in
            var headers = jsonHeaders
            if let id { headers[Self.header] = id }
            let response = try await client.execute(uri: "/v1/generate", method: .post, headers: headers,
                                                     body: json(#"{"task": "nope", "input": "x"}"#))
            #expect(response.status == .notFound)
            return [response.headers[Self.header], try decode(ErrorBody.self, response).error.requestID]
        }
    }

    static let valid = ["my-id-42", "!", "~", String(repeating: "a", count: 128), #"a"b/c{d}:e=f"#]

    @Test(arguments: valid)
    func validClientIDIsEchoed(id: String) async throws {
        let received = try await ids(sending: id)
        #expect(received == [id, id])
    }

    static let invalid: [(String, String)] = [
        ("too long", String(repeating: "a", count: 129)),
        ("empty", ""),
        ("space", "my id"),
        ("tab", "my\tid"),
        ("control character", "my\u{1}id"),
        ("delete", "my\u{7F}id"),
        ("non-ASCII", "idé"),
    ]

    @Test(arguments: invalid)
    func invalidClientIDIsReplaced(reason: String, id: String) async throws {
        let received = try await ids(sending: id)
        let generated = try #require(received[0], "\(reason): no X-Request-ID")
        #expect(generated != id, "\(reason): must not be echoed")
        #expect(received[1] == generated, "\(reason): the body names the same id")
        #expect(Self.isGenerated(generated), "\(reason): \(generated.debugDescription) is not a generated id")
    }

    @Test func generatedIDsAreUniquePerRequest() async throws {
        let firstIDs = try await ids(sending: nil), secondIDs = try await ids(sending: nil)
        let first = try #require(firstIDs[0]), second = try #require(secondIDs[0])
        #expect(Self.isGenerated(first) && Self.isGenerated(second))
        #expect(first != second)
    }

    /// Lowercase hex: 1–16 digits of a random per-process prefix, then a 16-digit counter.
    static func isGenerated(_ id: String) -> Bool {
        (17...32).contains(id.utf8.count) && id.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
