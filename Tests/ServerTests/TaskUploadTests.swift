// `PUT /v1/tasks/{name}` through the real registry: an upload is validated, written as `<name>@<revision>` with the
// uploaded bytes, served at once (hot swap included) and removed by DELETE; and the upload errors with their bodies:
// bad multipart bodies, a bad name, an invalid artifact and a conflicting album, none of which touches the directory.
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import ServerAPI
import Testing

@Suite struct TaskUploadTests {
    static let server = ErrorContractTests.server

    /// Entries of the tasks directory whose names start with `prefix` (the hidden scratch folder aside).
    func entries(_ fixture: RealEngine, _ prefix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: fixture.tasks.path)
            .filter { $0.hasPrefix(prefix) && !$0.hasPrefix(".") }.sorted()
    }

    @Test func uploadInstallsReplacesAndRemovesThroughTheRegistry() async throws {
        let fixture = try RealEngine()
        defer { fixture.removeTasks() }
        fixture.engine.start()
        let staticFiles = try RealEngine.taskFiles("static-a"), peftFiles = try RealEngine.taskFiles("peft-pt")
        let fields = #"{"premise": "a", "hypothesis": "b"}"#
        try await fixture.application(Self.server).test(.router) { client in
            let reference = try await client.execute(uri: "/v1/classify", method: .post, headers: jsonHeaders,
                                                     body: json(#"{"task": "static-a", "fields": \#(fields)}"#))
            let referenceScores = try decode(ClassifyResponse.self, reference).scores

            // Install: the static-a files under a new name.
            let (headers, body) = multipart(staticFiles)
            let installed = try await client.execute(uri: "/v1/tasks/fresh", method: .put, headers: headers, body: body)
            #expect(installed.status == .ok)
            let info = try decode(TaskInfo.self, installed)
            #expect(info.name == "fresh" && info.version == "1" && info.method == "album" && info.promptTokens == 3)
            #expect(info.fields == ["premise", "hypothesis"] && info.labels == ["entailment", "not_entailment"])
            #expect(try entries(fixture, "fresh") == ["fresh@1"])
            for (name, bytes) in staticFiles {
                let stored = try Data(contentsOf: fixture.tasks.appendingPathComponent("fresh@1/\(name)"))
                #expect(Array(stored) == bytes, "fresh@1/\(name) holds the uploaded bytes")
            }
            // Served at once, with the same prompt as the task it was copied from.
            let classified = try await client.execute(uri: "/v1/classify", method: .post, headers: jsonHeaders,
                                                      body: json(#"{"task": "fresh", "fields": \#(fields)}"#))
            let result = try decode(ClassifyResponse.self, classified)
            #expect(result.taskVersion == "1" && result.scores == referenceScores)
            let listed = try await client.execute(uri: "/v1/tasks", method: .get)
            #expect(try decode(TaskList.self, listed).tasks.contains { $0.name == "fresh" && $0.version == "1" })

            // Hot swap: a PEFT adapter replaces it as revision 2; revision 1 leaves the directory.
            let (peftHeaders, peftBody) = multipart(peftFiles)
            let swapped = try await client.execute(uri: "/v1/tasks/fresh", method: .put, headers: peftHeaders, body: peftBody)
            #expect(swapped.status == .ok)
            let swappedInfo = try decode(TaskInfo.self, swapped)
            #expect(swappedInfo.version == "2" && swappedInfo.method == "peft:PROMPT_TUNING" && swappedInfo.fields == ["input"])
            #expect(try entries(fixture, "fresh") == ["fresh@2"])
            let generated = try await client.execute(uri: "/v1/generate", method: .post, headers: jsonHeaders,
                                                     body: json(#"{"task": "fresh", "input": "hello", "max_new_tokens": 3}"#))
            let direct = try await client.execute(uri: "/v1/generate", method: .post, headers: jsonHeaders,
                                                  body: json(#"{"task": "peft-pt", "input": "hello", "max_new_tokens": 3}"#))
            let swappedOutput = try decode(GenerateResponse.self, generated)
            let directOutput = try decode(GenerateResponse.self, direct)
            #expect(swappedOutput.taskVersion == "2" && swappedOutput.ids == directOutput.ids)

            // Remove.
            let removed = try await client.execute(uri: "/v1/tasks/fresh", method: .delete)
            #expect(removed.status == .noContent)
            #expect(try entries(fixture, "fresh").isEmpty)
            let gone = try await client.execute(uri: "/v1/tasks/fresh", method: .get)
            try expectError(gone, status: 404, code: "unknown_task", message: .exact("unknown task 'fresh'"), "removed task")
        }
        await fixture.engine.shutdown()
    }

    @Test func uploadErrors() async throws {
        let fixture = try RealEngine()
        defer { fixture.removeTasks() }
        fixture.engine.start()
        let staticFiles = try RealEngine.taskFiles("static-a")
        let before = try entries(fixture, "")
        try await fixture.application(Self.server).test(.router) { client in
            let (headers, _) = multipart([])
            let garbage = try await client.execute(uri: "/v1/tasks/fresh", method: .put, headers: headers, body: json("garbage"))
            try expectError(garbage, status: 400, code: "invalid_request",
                            message: .exact("multipart body has no parts (boundary ----album-test-boundary)"), "no parts")
            let (_, twice) = multipart([("task.json", Array("{}".utf8)), ("task.json", Array("{}".utf8))])
            let duplicate = try await client.execute(uri: "/v1/tasks/fresh", method: .put, headers: headers, body: twice)
            try expectError(duplicate, status: 400, code: "invalid_request",
                            message: .exact("file 'task.json' is uploaded twice"), "duplicate part")

            let (_, valid) = multipart(staticFiles)
            let badName = try await client.execute(uri: "/v1/tasks/bad!name", method: .put, headers: headers, body: valid)
            try expectError(badName, status: 400, code: "invalid_task_name",
                            message: .exact("invalid task name 'bad!name': use letters, digits, '-', '_' and '.'"), "bad name")

            let (_, broken) = multipart([("task.json", Array("{".utf8))])
            let invalid = try await client.execute(uri: "/v1/tasks/fresh", method: .put, headers: headers, body: broken)
            try expectError(invalid, status: 422, code: "invalid_artifact",
                            message: .mentions(["invalid task artifact:", "upload/task.json"]), "broken manifest")
            #expect(try decode(ErrorBody.self, invalid).error.message.contains(fixture.tasks.path) == false,
                    "the message names the upload, not the server's directories")

            // Replacing album-a (which SPE tasks use) by something else would change what those tasks compute.
            let conflict = try await client.execute(uri: "/v1/tasks/album-a", method: .put, headers: headers, body: valid)
            try expectError(conflict, status: 409, code: "album_in_use",
                            message: .exact(#"conflict: album 'album-a' is used by tasks ["spe-a", "spe-attempt"]"#),
                            "replacing a used album")
        }
        #expect(try entries(fixture, "") == before,
                "failed uploads leave the tasks directory as it was")
        await fixture.engine.shutdown()
    }
}
