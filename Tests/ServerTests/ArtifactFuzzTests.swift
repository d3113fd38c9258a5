// Bounded randomized fuzzing of task uploads (fixed seed, a fixed number of inputs, so every run tries the same ones):
// valid fixture artifacts (safetensors, .npy, PEFT adapter_config.json, task.json) are mutated with bit flips,
// truncations, size fields set to zero, huge or negative values, and random JSON values, then uploaded through the
// router and registry as the server receives them. Every upload must end in success or a 4xx, never a trap; a task
// that installs must answer a real request without trapping; and afterwards the router still answers `/healthz`
// and a real request, and a registry started over a directory of mutants starts.
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Prompts
import Server
import ServerAPI
import Testing
import TestSupport


/// The mutations, each applied to one file of an artifact.
enum ArtifactMutator {
    static var hostileNumbers: [Any] { [0, -1, 1, 8.5, 1e-300, 1e30, Int64.max, Int64.min, 4_294_967_296, 4_611_686_018_427_387_904,
                                        UInt64.max] }
    static var hostileValues: [Any] {
        hostileNumbers + [NSNull(), true, "", "../../../../etc/shadow", "/etc/passwd", [Any](), [String: Any](), [1, 2, 3],
                          ["a": 1], String(repeating: "x", count: 300)]
    }

    static func mutate(_ bytes: [UInt8], name: String, using random: inout SeededGenerator) -> [UInt8] {
        let isJSON = name.hasSuffix(".json")
        switch Int.random(in: 0..<(isJSON ? 7 : 6), using: &random) {
        case 0: return flipBits(bytes, using: &random)
        case 1: return bytes.isEmpty ? bytes : Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &random)))
        case 2: return sizeField(bytes, name: name, using: &random)
        case 3: return headerNumber(bytes, using: &random)
        case 4: return spliced(bytes, using: &random)
        case 5: return headerValue(bytes, name: name, using: &random)
        default: return jsonValue(bytes, using: &random)
        }
    }

    static func flipBits(_ bytes: [UInt8], using random: inout SeededGenerator) -> [UInt8] {
        guard !bytes.isEmpty else { return bytes }
        var out = bytes
        for _ in 0..<Int.random(in: 1...8, using: &random) {
            out[Int.random(in: 0..<out.count, using: &random)] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
        }
        return out
    }

    /// The safetensors header length or the .npy header length set to 0, huge, "negative" or off by one.
    static func sizeField(_ bytes: [UInt8], name: String, using random: inout SeededGenerator) -> [UInt8] {
        var out = bytes
        if name.hasSuffix(".safetensors"), out.count >= 8 {
            let values: [UInt64] = [0, 1, UInt64.max, 1 << 63, UInt64(out.count), UInt64(out.count - 8), UInt64(out.count - 7)]
            let value = values.randomElement(using: &random)!.littleEndian
            withUnsafeBytes(of: value) { for i in 0..<8 { out[i] = $0[i] } }
        } else if name.hasSuffix(".npy"), out.count >= 10 {
            out[8] = [0x00, 0xFF, 0x01].randomElement(using: &random)!
            out[9] = [0x00, 0xFF, 0x80].randomElement(using: &random)!
            if Bool.random(using: &random) { out[6] = [2, 3, 0, 9].randomElement(using: &random)! }
        } else {
            return flipBits(bytes, using: &random)
        }
        return out
    }

    /// One run of digits in the file replaced by a hostile number (shapes, offsets, sizes in headers and JSON).
    static func headerNumber(_ bytes: [UInt8], using random: inout SeededGenerator) -> [UInt8] {
        let limit = min(bytes.count, 4096)
        let digits = (0..<limit).filter { (48...57).contains(bytes[$0]) && ($0 == 0 || !(48...57).contains(bytes[$0 - 1])) }
        guard let start = digits.randomElement(using: &random) else { return flipBits(bytes, using: &random) }
        var end = start
        while end < bytes.count && (48...57).contains(bytes[end]) { end += 1 }
        let replacement = "\(hostileNumbers.randomElement(using: &random)!)"
        return Array(bytes[..<start]) + Array(replacement.utf8) + Array(bytes[end...])
    }

    /// A random range duplicated or deleted.
    static func spliced(_ bytes: [UInt8], using random: inout SeededGenerator) -> [UInt8] {
        guard bytes.count > 2 else { return bytes + bytes }
        let a = Int.random(in: 0..<bytes.count, using: &random), b = Int.random(in: a...bytes.count, using: &random)
        return Bool.random(using: &random) ? Array(bytes[..<a]) + Array(bytes[b...]) : Array(bytes[..<b]) + Array(bytes[a...])
    }

    /// A random value of the safetensors JSON header replaced (dtype, shape, offsets, metadata).
    static func headerValue(_ bytes: [UInt8], name: String, using random: inout SeededGenerator) -> [UInt8] {
        guard name.hasSuffix(".safetensors"), bytes.count >= 8 else { return flipBits(bytes, using: &random) }
        let length = Int(min(UInt64(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }), UInt64(bytes.count - 8)))
        let header = Array(bytes[8..<(8 + length)])
        let mutated = jsonValue(header, using: &random)
        return withUnsafeBytes(of: UInt64(mutated.count).littleEndian) { Array($0) } + mutated + Array(bytes[(8 + length)...])
    }

    /// One value anywhere in a JSON document replaced by a hostile one, or one key removed.
    static func jsonValue(_ bytes: [UInt8], using random: inout SeededGenerator) -> [UInt8] {
        guard let root = try? JSONSerialization.jsonObject(with: Data(bytes)) else { return flipBits(bytes, using: &random) }
        func mutate(_ value: Any, depth: Int) -> Any {
            if var object = value as? [String: Any], !object.isEmpty, depth < 4 {
                let key = object.keys.sorted().randomElement(using: &random)!
                switch Int.random(in: 0..<5, using: &random) {
                case 0: object[key] = nil
                case 1: object[key] = hostileValues.randomElement(using: &random)!
                default: object[key] = mutate(object[key]!, depth: depth + 1)
                }
                return object
            }
            if var array = value as? [Any], !array.isEmpty, depth < 4 {
                let index = Int.random(in: 0..<array.count, using: &random)
                array[index] = Bool.random(using: &random) ? hostileValues.randomElement(using: &random)! : mutate(array[index], depth: depth + 1)
                return array
            }
            return hostileValues.randomElement(using: &random)!
        }
        let mutated = mutate(root, depth: 0)
        guard JSONSerialization.isValidJSONObject(mutated),
              let data = try? JSONSerialization.data(withJSONObject: mutated, options: [.sortedKeys]) else { return bytes }
        return Array(data)
    }
}

@Suite struct ArtifactFuzzTests {
    static let seed: UInt64 = 0xA1B0_2026
    /// 3-8 s on the 2-core development machine when run alone, about 15 s within the whole parallel suite.
    static let inputCount = 1200
    static let server = ServerConfiguration(port: 0, maxBodyBytes: 4096, maxUploadBytes: 1 << 20, maxBatchItems: 3)

    @Test func mutatedArtifactsNeverTrapTheServer() async throws {
        let fixture = try RealEngine()
        defer { fixture.removeTasks() }
        fixture.engine.start()
        let seeds: [(task: String, files: [(String, [UInt8])])] = try ["static-a", "t5x", "peft-pt", "peft-mpt", "spe-a", "album-a"].map {
            ("fuzz-\($0)", try RealEngine.taskFiles($0))
        }
        let startUp = FileManager.default.temporaryDirectory.appendingPathComponent("album-fuzz-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: fixture.tasks, to: startUp)
        defer { try? FileManager.default.removeItem(at: startUp) }
        let start = ContinuousClock.now
        let tasksPath = fixture.tasks.path
        let (inputs, outcomes, requestOutcomes) = try await fixture.application(Self.server).test(.router) { client in
            var random = SeededGenerator(state: Self.seed)
            var outcomes: [Int: Int] = [:]
            var requestOutcomes: [Int: Int] = [:]
            var inputs = 0
            while inputs < Self.inputCount {
                let seed = seeds.randomElement(using: &random)!
                var files = seed.files
                let victim = Int.random(in: 0..<files.count, using: &random)
                for _ in 0..<Int.random(in: 1...2, using: &random) {
                    files[victim].1 = ArtifactMutator.mutate(files[victim].1, name: files[victim].0, using: &random)
                }
                inputs += 1
                let (headers, body) = multipart(files)
                let response = try await client.execute(uri: "/v1/tasks/\(seed.task)", method: .put, headers: headers, body: body)
                let status = Int(response.status.code)
                outcomes[status, default: 0] += 1
                #expect(status == 200 || (400..<500).contains(status),
                        "input \(inputs) (\(seed.task), \(files[victim].0)): \(status) \(String(buffer: response.body))")
                #expect(!String(buffer: response.body).contains(tasksPath), "input \(inputs): a server path in the answer")
                if inputs % 25 == 0 {  // also a start-up over it
                    let folder = startUp.appendingPathComponent("mutant-\(inputs)")
                    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                    for (name, bytes) in files { try Data(bytes).write(to: folder.appendingPathComponent(name)) }
                }
                guard status == 200, let info = try? decode(TaskInfo.self, response), info.method != "album" else { continue }
                // An installed mutant answers a real request: success, a 4xx, or a 500 for a non-finite result, never a trap.
                let fields = Dictionary(uniqueKeysWithValues: info.fields.map { ($0, "a b") })
                var payload: [String: Any] = ["task": info.name, "fields": fields]
                if info.labels == nil { payload["max_new_tokens"] = 2 }
                let request = try JSONSerialization.data(withJSONObject: payload)
                let answer = try await client.execute(uri: info.labels == nil ? "/v1/generate" : "/v1/classify", method: .post,
                                                      headers: jsonHeaders, body: ByteBuffer(bytes: request))
                requestOutcomes[Int(answer.status.code), default: 0] += 1
                #expect(answer.status.code < 500 || answer.status.code == 500 && String(buffer: answer.body).contains("non-finite"),
                        "input \(inputs): request on the installed mutant: \(answer.status.code) \(String(buffer: answer.body))")
            }
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            let classified = try await client.execute(uri: "/v1/classify", method: .post, headers: jsonHeaders,
                                                      body: json(#"{"task": "static-a", "fields": {"premise": "a", "hypothesis": "b"}}"#))
            #expect(classified.status == .ok)
            return (inputs, outcomes, requestOutcomes)
        }
        let registry = try TaskRegistry(directory: startUp, model: try BaseModelInfo(checkpoint: RealEngine.model))
        #expect(registry.snapshot().tasks["static-a"] != nil, "a start-up over the mutants serves the good tasks")
        let elapsed = ContinuousClock.now - start
        print("artifact fuzz: \(inputs) inputs in \(elapsed), upload statuses \(outcomes.sorted { $0.key < $1.key }), "
              + "requests on installed mutants \(requestOutcomes.sorted { $0.key < $1.key }), start-up issues \(registry.issues.count)")
        #expect(inputs == Self.inputCount)
        await fixture.engine.shutdown()
    }
}
