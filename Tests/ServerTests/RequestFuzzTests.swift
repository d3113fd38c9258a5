// A bounded, seeded fuzz of request bodies through the real router and engine: valid bodies of /v1/generate,
// /v1/classify and /v1/batch mutated structurally (values of random types, huge numbers, deep nesting, unicode,
// dropped and extra keys) and textually (truncation, byte flips). Every answer is 2xx or 4xx (503/504 allowed), in
// the one error shape, never naming a server path, and the router still answers afterwards.
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import Server
import ServerAPI
import Testing
import TestSupport


@Suite struct RequestFuzzTests {
    static let inputs = 2000
    static let seeds: [(uri: String, body: String)] = [
        ("/v1/generate", #"{"task": "peft-pt", "input": "hello", "max_new_tokens": 2}"#),
        ("/v1/generate", #"{"task": "peft-pt", "input": "hello", "num_beams": 2, "max_new_tokens": 2}"#),
        ("/v1/classify", #"{"task": "peft-pt", "input": "hello", "candidates": ["yes", "no"]}"#),
        ("/v1/classify", #"{"task": "static-a", "input": "a b"}"#),
        ("/v1/batch", #"{"requests": [{"type": "generate", "task": "peft-pt", "input": "hi", "max_new_tokens": 2}, {"type": "classify", "task": "peft-pt", "input": "x", "candidates": ["a", "b"]}]}"#),
    ]

    static let strings = ["", "hello", "é\u{301}", "👩‍👩‍👧‍👦", "\u{202E}evil", "\u{0}", "\\ud800", String(repeating: "ß", count: 300),
                          "peft-pt", "static-a", "../../etc/passwd", "%00", "nli", "classify", "generate"]

    static func randomValue(_ rng: inout SeededGenerator, depth: Int = 0) -> Any {
        switch Int.random(in: 0..<12, using: &rng) {
        case 0: return Int.random(in: Int.min...Int.max, using: &rng)
        case 1: return [1e308, -1e308, 0.5, -0.0, 1e-320, 9_007_199_254_740_993.0].randomElement(using: &rng)!
        case 2: return strings.randomElement(using: &rng)!
        case 3: return Bool.random(using: &rng)
        case 4: return NSNull()
        case 5 where depth < 6: return (0..<Int.random(in: 0..<4, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) }
        case 6 where depth < 6:
            var object: [String: Any] = [:]
            for _ in 0..<Int.random(in: 0..<4, using: &rng) { object[strings.randomElement(using: &rng)!] = randomValue(&rng, depth: depth + 1) }
            return object
        case 7: return Int.random(in: -3...300, using: &rng)
        case 8: return (0..<Int.random(in: 0..<80, using: &rng)).map { "c\($0)" }
        default: return strings.randomElement(using: &rng)!
        }
    }

    /// Replaces, drops or adds one value somewhere in `value`.
    static func mutate(_ value: Any, _ rng: inout SeededGenerator) -> Any {
        if var object = value as? [String: Any], !object.isEmpty, Int.random(in: 0..<4, using: &rng) != 0 {
            let key = object.keys.sorted().randomElement(using: &rng)!
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: object[key] = nil
            case 1: object[strings.randomElement(using: &rng)!] = randomValue(&rng)
            case 2, 3: object[key] = mutate(object[key]!, &rng)
            default: object[key] = randomValue(&rng)
            }
            return object
        }
        if var array = value as? [Any], !array.isEmpty, Int.random(in: 0..<4, using: &rng) != 0 {
            let index = Int.random(in: 0..<array.count, using: &rng)
            if Bool.random(using: &rng) { array[index] = mutate(array[index], &rng) } else { array.append(randomValue(&rng)) }
            return array
        }
        return randomValue(&rng)
    }

    /// Textual damage: truncation, flipped bytes, a huge number literal, deep nesting.
    static func damage(_ bytes: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var bytes = bytes
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return Array(bytes.prefix(Int.random(in: 0..<max(bytes.count, 1), using: &rng)))
        case 1:
            for _ in 0..<Int.random(in: 1...4, using: &rng) where !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            return bytes
        case 2:
            let at = Int.random(in: 0...bytes.count, using: &rng)
            return Array(bytes[..<at]) + Array(String(repeating: "9", count: 400).utf8) + Array(bytes[at...])
        default:
            let depth = Int.random(in: 20...5000, using: &rng)
            let at = Int.random(in: 0...bytes.count, using: &rng)
            return Array(bytes[..<at]) + Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8)
                + Array(bytes[at...])
        }
    }

    @Test func mutatedBodiesGetClientErrorsAndTheRouterSurvives() async throws {
        let fixture = try RealEngine()
        defer { fixture.removeTasks() }
        fixture.engine.start()
        let forbidden = [fixture.tasks.path, RealEngine.root.path, FileManager.default.temporaryDirectory.path]
        var rng = SeededGenerator(state: 20_260_601)
        var inputs: [(uri: String, body: [UInt8])] = []
        for _ in 0..<Self.inputs {
            let seed = Self.seeds.randomElement(using: &rng)!
            if Int.random(in: 0..<3, using: &rng) == 0 {
                inputs.append((seed.uri, Self.damage(Array(seed.body.utf8), &rng)))
            } else {
                var mutated = try JSONSerialization.jsonObject(with: Data(seed.body.utf8))
                for _ in 0..<Int.random(in: 1...3, using: &rng) { mutated = Self.mutate(mutated, &rng) }
                let data = (try? JSONSerialization.data(withJSONObject: mutated, options: [.fragmentsAllowed])) ?? Data("{}".utf8)
                inputs.append((seed.uri, Array(data)))
            }
        }
        let counts = NIOLockedValueBox<[Int: Int]>([:])
        try await fixture.application().test(.router) { [inputs] client in
            for (uri, body) in inputs {
                let response = try await client.execute(uri: uri, method: .post, headers: jsonHeaders, body: ByteBuffer(bytes: body))
                let status = Int(response.status.code)
                counts.withLockedValue { $0[status, default: 0] += 1 }
                let text = String(decoding: body.prefix(300), as: UTF8.self)
                #expect((200..<500).contains(status) || status == 503 || status == 504, "\(status) for \(uri) \(text)")
                let answer = String(buffer: response.body)
                for path in forbidden { #expect(!answer.contains(path), "a server path in \(answer)") }
                if status >= 400 {
                    #expect((try? decode(ErrorBody.self, response)) != nil, "error shape for \(text): \(answer)")
                } else if uri == "/v1/batch", let batch = try? decode(BatchResponse.self, response) {
                    for result in batch.results {
                        #expect((200..<500).contains(result.status) || result.status == 503 || result.status == 504,
                                "batch item \(result.status) for \(text)")
                    }
                }
            }
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            let valid = try await client.execute(uri: "/v1/classify", method: .post, headers: jsonHeaders, body: json(Self.seeds[2].body))
            #expect(valid.status == .ok)
        }
        await fixture.engine.shutdown()
        let statuses = counts.withLockedValue { $0 }
        print("request fuzz: \(Self.inputs) inputs, statuses \(statuses.sorted { $0.key < $1.key })")
        #expect(statuses.values.reduce(0, +) == Self.inputs)
        #expect(statuses.keys.contains(200) && statuses.keys.contains(400), "the mix reached both the model and the parser")
    }
}
