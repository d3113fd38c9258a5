// docs/operations.md cannot drift from the binary: every flag and ALBUM_* variable of `album serve --help` is in
// its configuration table, and every metric a live server exports (after a classification, an error and a
// reload) is in its metrics table, and the table lists no metric the server does not export.
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.enabled(if: ServerProcess.serveIsBuilt, "album was built without the HTTP server (ALBUM_MODEL_ONLY=1)"))
struct OperationsDocTests {
    static func page() throws -> String {
        try String(contentsOf: CLIRunner.repositoryRoot.appendingPathComponent("docs/operations.md"), encoding: .utf8)
    }

    /// The first cells (`code`) of the table rows under `heading`.
    static func firstColumn(under heading: String, in page: String) throws -> [String] {
        let section = try #require(page.components(separatedBy: "\n## ").first { $0.hasPrefix(heading) })
        return section.components(separatedBy: "\n").filter { $0.hasPrefix("| `") }.map {
            String($0.dropFirst(3).prefix { $0 != "`" })
        }
    }

    @Test func everyServeFlagAndVariableIsDocumented() async throws {
        let page = try Self.page()
        let (flags, variables) = try await DeploymentManifestTests.serveHelp()
        let documented = try Self.firstColumn(under: "Configuration reference", in: page).map { $0.split(separator: " ")[0] }
        for flag in flags.subtracting(["--help", "--version"]) {
            #expect(documented.contains(Substring(flag)), "\(flag) is missing from docs/operations.md")
        }
        for variable in variables {
            #expect(page.contains("`\(variable)`"), "\(variable) is missing from docs/operations.md")
        }
        #expect(documented.count == flags.subtracting(["--help", "--version"]).count, "documented: \(documented)")
    }

    @Test func everyExportedMetricIsDocumented() async throws {
        let server = try ServerProcess(["serve", "--port", "0"])
        let port = try await server.port()
        let classified = try await HTTPProbe.request(port: port, "POST", "/v1/classify",
                                                     body: #"{"task": "sentiment", "fields": {"sentence": "warm"}}"#)
        #expect(classified.status == 200)
        #expect(try await HTTPProbe.request(port: port, "GET", "/v1/tasks/nope").status == 404)
        #expect(try await HTTPProbe.request(port: port, "POST", "/v1/tasks/reload").status == 200)
        let exposition = try await HTTPProbe.request(port: port, "GET", "/metrics").body
        let exported = Set(exposition.components(separatedBy: "\n").compactMap { line -> String? in
            guard line.hasPrefix("# TYPE ") else { return nil }
            return line.split(separator: " ")[2].description
        })
        let documented = Set(try Self.firstColumn(under: "Metrics reference", in: try Self.page()))
        #expect(!exported.isEmpty)
        #expect(exported.subtracting(documented).isEmpty, "exported but not documented: \(exported.subtracting(documented))")
        #expect(documented.subtracting(exported).isEmpty, "documented but not exported: \(documented.subtracting(exported))")
        server.signal(SIGTERM)
        #expect(try await server.waitForExit().status == 0)
    }
}
