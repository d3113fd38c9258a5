// Ensemble tasks over HTTP through the real router and registry: a multipart upload of the kind, its listing
// (kind and member count), the classify response's `ensemble` object, and the 422 `unsupported_for_task_kind` that
// generation, SSE streams and completions get on it. Hostile ensemble uploads are in HostileUploadTests (through
// TestSupport.HostileArtifacts).
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import ServerAPI
import Testing

@Suite struct EnsembleRouteTests {
    /// An ensemble of two copies of static-a's prompt, as an upload carries it.
    static func ensembleFiles(combine: String) throws -> [(String, [UInt8])] {
        let folder = RealEngine.root.appendingPathComponent("Tests/Fixtures/prompts/tasks/static-a")
        let prompt = Array(try Data(contentsOf: folder.appendingPathComponent("prompt.safetensors")))
        var manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("task.json"))) as? [String: Any])
        manifest["kind"] = "ensemble"
        manifest["ensemble"] = ["combine": combine, "members": [["file": "a.safetensors", "source": "seed-1"], ["file": "b.safetensors"]]]
        return [("task.json", Array(try JSONSerialization.data(withJSONObject: manifest))), ("a.safetensors", prompt), ("b.safetensors", prompt)]
    }

    @Test func uploadListClassifyAndRefuseGeneration() async throws {
        let fixture = try RealEngine()
        defer { fixture.removeTasks() }
        fixture.engine.start()
        let fields = #"{"premise": "cat", "hypothesis": "pet"}"#
        try await fixture.application(TaskUploadTests.server).test(.router) { client in
            let (headers, body) = multipart(try Self.ensembleFiles(combine: "vote"))
            let installed = try await client.execute(uri: "/v1/tasks/ens", method: .put, headers: headers, body: body)
            #expect(installed.status == .ok)
            let info = try decode(TaskInfo.self, installed)
            #expect(info.kind == "ensemble" && info.ensembleMembers == 2 && info.promptTokens == 3 && info.method == "ensemble")

            let listed = try decode(TaskList.self, try await client.execute(uri: "/v1/tasks", method: .get)).tasks
            #expect(listed.first { $0.name == "ens" }?.ensembleMembers == 2)
            #expect(listed.first { $0.name == "static-a" }.map { $0.kind == "static" && $0.ensembleMembers == nil } == true)

            let single = try decode(ClassifyResponse.self, try await client.execute(
                uri: "/v1/classify", method: .post, headers: jsonHeaders, body: json(#"{"task": "static-a", "fields": \#(fields)}"#)))
            let response = try await client.execute(uri: "/v1/classify", method: .post, headers: jsonHeaders,
                                                    body: json(#"{"task": "ens", "fields": \#(fields)}"#))
            #expect(response.status == .ok)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
            let ensemble = try #require(object["ensemble"] as? [String: Any])
            #expect(ensemble["combine"] as? String == "vote")
            #expect(ensemble["member_labels"] as? [String] == [single.label, single.label])
            let classified = try decode(ClassifyResponse.self, response)
            #expect(classified.label == single.label && Set(classified.scores.keys) == Set(single.scores.keys))
            for (label, score) in single.scores { #expect(abs(classified.scores[label]! - score) <= 1e-5 * max(1, abs(score))) }

            for (uri, request) in [("/v1/generate", #"{"task": "ens", "fields": \#(fields)}"#),
                                   ("/v1/generate", #"{"task": "ens", "fields": \#(fields), "stream": true}"#),
                                   ("/v1/completions", #"{"model": "ens", "prompt": "a cat"}"#)] {
                let refused = try await client.execute(uri: uri, method: .post, headers: jsonHeaders, body: json(request))
                #expect(refused.status.code == 422, "\(uri) \(request)")
                let text = String(decoding: refused.body.readableBytesView, as: UTF8.self)
                #expect(text.contains("unsupported_for_task_kind") && text.contains("ensemble"), "\(uri): \(text)")
            }
        }
        await fixture.engine.shutdown()
    }
}
