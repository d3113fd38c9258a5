// `POST /v1/tasks/reload` through the real router: it answers the service's reload report, needs the admin token
// when one is set (as PUT/DELETE do), is refused on a non-loopback address without one, and stays allowed in
// read-only mode (it writes nothing). The reload itself is tested on a directory in PromptsTests and end to end in
// AlbumTests/TaskReloadServeTests.
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Server
import ServerAPI
import Testing

@Suite struct TaskReloadRouteTests {
    static func harness(_ change: (inout ServerConfiguration) -> Void) -> Harness {
        var harness = Harness()
        change(&harness.configuration)
        return harness
    }

    @Test func reloadAnswersTheReportOnLoopback() async throws {
        try await Harness().run { client in
            let response = try await client.execute(uri: "/v1/tasks/reload", method: .post)
            #expect(response.status == .ok)
            let report = try decode(TaskReloadResult.self, response)
            #expect(report.added == ["fresh"] && report.generation == 2)
            #expect(report.skipped == [.init(entry: "broken", error: "scripted")])
            let body = String(buffer: response.body)
            #expect(body.contains(#""skipped":[{"entry":"broken","error":"scripted"}]"#), "\(body)")
        }
    }

    @Test func reloadNeedsTheAdminToken() async throws {
        try await Self.harness { $0.adminToken = "admin-secret"; $0.apiToken = "api-secret" }.run { client in
            let anonymous = try await client.execute(uri: "/v1/tasks/reload", method: .post)
            #expect(anonymous.status == .unauthorized)
            #expect(try errorCode(anonymous) == "unauthorized")
            let apiOnly = try await client.execute(uri: "/v1/tasks/reload", method: .post,
                                                   headers: [.authorization: "Bearer api-secret"])
            #expect(apiOnly.status == .unauthorized, "the API token does not open admin routes")
            let admin = try await client.execute(uri: "/v1/tasks/reload", method: .post,
                                                 headers: [.authorization: "Bearer admin-secret"])
            #expect(admin.status == .ok)
        }
    }

    @Test func reloadIsRefusedOffLoopbackWithoutATokenButNotReadOnly() async throws {
        try await Self.harness { $0.host = "0.0.0.0" }.run { client in
            let refused = try await client.execute(uri: "/v1/tasks/reload", method: .post)
            #expect(refused.status == .forbidden)
            #expect(try errorCode(refused) == "task_management_disabled")
        }
        try await Self.harness { $0.host = "0.0.0.0"; $0.adminToken = "admin-secret"; $0.readOnly = true }.run { client in
            let upload = try await client.execute(uri: "/v1/tasks/rte", method: .delete, headers: [.authorization: "Bearer admin-secret"])
            #expect(upload.status == .forbidden, "read-only refuses task management")
            let reload = try await client.execute(uri: "/v1/tasks/reload", method: .post, headers: [.authorization: "Bearer admin-secret"])
            #expect(reload.status == .ok, "but a reload writes nothing")
        }
    }
}
