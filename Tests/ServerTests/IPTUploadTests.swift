// IPT artifacts over HTTP, through the real registry: a subspace and an IPT task uploaded with `PUT /v1/tasks/{name}`
// are listed by `GET /v1/tasks` (the task with method "ipt", the subspace among the shared artifacts with its users)
// and classify like the static task holding Proj_b(z); deleting or replacing the subspace while the task uses it is
// 409; an IPT task naming another subspace version is 422 with the hash mismatch; none of it touches the directory.
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kernels
import Prompts
import Server
import ServerAPI
import Testing

@Suite struct IPTUploadTests {
    static let server = ErrorContractTests.server

    /// Subspace (seeded by `phase`), IPT task and the equivalent static task for the fixture T5 (d = 16).
    static func files(phase: Float = 0) throws -> (subspace: [(String, [UInt8])], ipt: [(String, [UInt8])],
                                                   staticTask: [(String, [UInt8])], hash: String) {
        let (n, d, di, h) = (3, 16, 4, 6)
        func tensor(_ shape: [Int], _ scale: Float, _ offset: Float) -> Tensor {
            let t = Tensor(uninitialized: shape)
            for i in 0..<t.count { t.data[i] = scale * cos(Float(i) * 0.37 + offset + phase) }
            return t
        }
        let ae = IPTAutoencoder(projWeight: tensor([di, n * d], 0.3, 0), projBias: tensor([di], 0.1, 1),
                                hiddenWeight: tensor([h, di], 0.6, 2), hiddenBias: tensor([h], 0.1, 3),
                                outWeight: tensor([n * d, h], 0.8, 4), outBias: tensor([n * d], 0.2, 5), promptLength: n, dModel: d)
        let z = tensor([di], 0.9, 6)
        var manifest = TaskManifest(kind: .staticPrompt)
        manifest.template = "premise: {premise} hypothesis: {hypothesis}"
        manifest.labels = ["entailment", "not_entailment"]
        let list = { (files: [String: Data]) in files.map { ($0.key, Array($0.value)) }.sorted { $0.0 < $1.0 } }
        return (list(try IPTArtifactFiles.subspace(ae, manifest: TaskManifest(kind: .iptSubspace), sources: ["nli"])),
                list(try IPTArtifactFiles.task(z: z, subspace: "sub", hash: ae.contentHash, manifest: manifest)),
                list(try IPTArtifactFiles.staticTask(prompt: ae.prompt(for: z), manifest: manifest)), ae.contentHash)
    }

    @Test func uploadListClassifyAndProtect() async throws {
        let fixture = try RealEngine()
        defer { fixture.removeTasks() }
        fixture.engine.start()
        let files = try Self.files()
        let fields = #"{"premise": "a cat", "hypothesis": "an animal"}"#
        try await fixture.application(Self.server).test(.router) { client in
            for (name, artifact) in [("sub", files.subspace), ("ipt", files.ipt), ("reference", files.staticTask)] {
                let (headers, body) = multipart(artifact)
                let response = try await client.execute(uri: "/v1/tasks/\(name)", method: .put, headers: headers, body: body)
                #expect(response.status == .ok, "\(name): \(response.status)")
            }
            let list = try decode(TaskList.self, try await client.execute(uri: "/v1/tasks", method: .get))
            let task = try #require(list.tasks.first { $0.name == "ipt" })
            #expect(task.method == "ipt" && task.promptTokens == 3 && task.labels == ["entailment", "not_entailment"])
            #expect(!list.tasks.contains { $0.name == "sub" })
            let shared = try #require(list.albums.first { $0.name == "sub" })
            #expect(shared.kind == "ipt-subspace" && shared.hash == files.hash && shared.usedBy == ["ipt"] && shared.promptTokens == 3)

            var scores: [[String: Double]] = []
            for name in ["ipt", "reference"] {
                let response = try await client.execute(uri: "/v1/classify", method: .post, headers: jsonHeaders,
                                                        body: json(#"{"task": "\#(name)", "fields": \#(fields)}"#))
                scores.append(try decode(ClassifyResponse.self, response).scores)
            }
            #expect(Set(scores[0].keys) == ["entailment", "not_entailment"] && Set(scores[1].keys) == Set(scores[0].keys))
            for (label, score) in scores[0] { #expect(abs(score - (scores[1][label] ?? .nan)) <= 1e-5, "\(label): \(score) vs \(scores[1])") }

            let before = try FileManager.default.contentsOfDirectory(atPath: fixture.tasks.path).sorted()
            let removed = try await client.execute(uri: "/v1/tasks/sub", method: .delete)
            try expectError(removed, status: 409, code: "album_in_use",
                            message: .exact(#"conflict: IPT subspace 'sub' is used by tasks ["ipt"]"#), "removing a used subspace")
            let other = try Self.files(phase: 1)
            let (headers, body) = multipart(other.subspace)
            let replaced = try await client.execute(uri: "/v1/tasks/sub", method: .put, headers: headers, body: body)
            try expectError(replaced, status: 409, code: "album_in_use",
                            message: .exact(#"conflict: IPT subspace 'sub' is used by tasks ["ipt"]"#), "replacing a used subspace")
            // An IPT task trained in the other subspace version: 422 naming both hashes.
            let (taskHeaders, taskBody) = multipart(other.ipt)
            let mismatched = try await client.execute(uri: "/v1/tasks/ipt2", method: .put, headers: taskHeaders, body: taskBody)
            try expectError(mismatched, status: 422, code: "invalid_artifact", message: .exact(
                "invalid task artifact: upload/task.json: IPT subspace 'sub' hash mismatch: expected \(other.hash), got \(files.hash)"),
                "IPT task of another subspace version")
            #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.tasks.path).sorted() == before)
        }
        await fixture.engine.shutdown()
    }
}
