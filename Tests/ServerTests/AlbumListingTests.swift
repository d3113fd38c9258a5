// `GET /v1/tasks` lists albums next to tasks, through the real engine and registry: each album's kind, version,
// hash, entries and the SPE tasks that use it; an album nobody uses lists no users; the 409 for replacing a used
// album carries the code `album_in_use`.
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import ServerAPI
import Testing

@Suite struct AlbumListingTests {
    @Test func albumsAreListedWithTheirEntriesAndUsers() async throws {
        let fixture = try RealEngine()
        defer { fixture.removeTasks() }
        fixture.engine.start()
        try await fixture.application(ErrorContractTests.server).test(.router) { client in
            let listed = try await client.execute(uri: "/v1/tasks", method: .get)
            #expect(listed.status == .ok)
            let list = try decode(TaskList.self, listed)
            let album = try #require(list.albums.first { $0.name == "album-a" }, "\(list.albums)")
            #expect(list.albums.map(\.name) == ["album-a"])
            #expect(album.kind == "album" && album.version == "0" && album.hash.hasPrefix("sha256:"))
            #expect(album.usedBy == ["spe-a", "spe-attempt"])
            #expect(album.entries.count == 4 && album.promptTokens == 5)
            #expect(!list.tasks.contains { $0.name == "album-a" }, "an album is not a servable task")
            let body = String(buffer: listed.body)
            #expect(body.contains(#""kind":"album""#) && body.contains(#""used_by":["spe-a","spe-attempt"]"#), "\(body)")
            #expect(body.contains(#""source_task":"#), "\(body)")

            // Once its users are gone the album lists none, and can be removed.
            for task in ["spe-a", "spe-attempt"] {
                #expect(try await client.execute(uri: "/v1/tasks/\(task)", method: .delete).status == .noContent)
            }
            let after = try decode(TaskList.self, try await client.execute(uri: "/v1/tasks", method: .get))
            #expect(after.albums.first?.usedBy == [])
            #expect(try await client.execute(uri: "/v1/tasks/album-a", method: .delete).status == .noContent)
            #expect(try decode(TaskList.self, try await client.execute(uri: "/v1/tasks", method: .get)).albums.isEmpty)
        }
        await fixture.engine.shutdown()
    }
}
