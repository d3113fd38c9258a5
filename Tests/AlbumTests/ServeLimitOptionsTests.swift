// The limit, connection and access options of `album serve` (docs/security.md): defaults, environment, flags, and
// the checks on tokens and the read-only switch.
import ArgumentParser
import Testing
@testable import album

@Suite struct ServeLimitOptionsTests {
    @Test func defaultsEnvironmentAndFlags() async throws {
        let defaults = try ServeOptions.parse([]).resolved(environment: [:], cores: 8)
        #expect(defaults.maxCandidates == 64 && defaults.maxCandidateTokens == 64)
        #expect(defaults.headerTimeoutMs == 10_000 && defaults.bodyTimeoutMs == 30_000 && defaults.idleTimeoutMs == 60_000)
        #expect(defaults.maxConnections == 512)
        #expect(defaults.adminToken == nil && defaults.apiToken == nil && !defaults.readOnly)

        let environment = [
            "ALBUM_MAX_CANDIDATES": "5", "ALBUM_MAX_CANDIDATE_TOKENS": "7", "ALBUM_HEADER_TIMEOUT_MS": "100",
            "ALBUM_BODY_TIMEOUT_MS": "200", "ALBUM_IDLE_TIMEOUT_MS": "300", "ALBUM_MAX_CONNECTIONS": "9",
            "ALBUM_ADMIN_TOKEN": "env-admin", "ALBUM_API_TOKEN": "env-api", "ALBUM_READ_ONLY": "true",
        ]
        let fromEnvironment = try ServeOptions.parse([]).resolved(environment: environment, cores: 8)
        #expect(fromEnvironment.maxCandidates == 5 && fromEnvironment.maxCandidateTokens == 7)
        #expect(fromEnvironment.headerTimeoutMs == 100 && fromEnvironment.bodyTimeoutMs == 200 && fromEnvironment.idleTimeoutMs == 300)
        #expect(fromEnvironment.maxConnections == 9 && fromEnvironment.readOnly)
        #expect(fromEnvironment.adminToken == "env-admin" && fromEnvironment.apiToken == "env-api")

        let flags = try ServeOptions.parse([
            "--max-candidates", "6", "--max-candidate-tokens", "8", "--header-timeout-ms", "1", "--body-timeout-ms", "2",
            "--idle-timeout-ms", "3", "--max-connections", "4", "--admin-token", "flag-admin", "--api-token", "flag-api",
        ]).resolved(environment: environment, cores: 8)
        #expect(flags.maxCandidates == 6 && flags.maxCandidateTokens == 8 && flags.headerTimeoutMs == 1)
        #expect(flags.bodyTimeoutMs == 2 && flags.idleTimeoutMs == 3 && flags.maxConnections == 4)
        #expect(flags.adminToken == "flag-admin" && flags.apiToken == "flag-api")
        #expect(try ServeOptions.parse(["--read-only"]).resolved(environment: [:], cores: 8).readOnly)
    }

    @Test func tokensAndSwitchesAreChecked() async throws {
        #expect(try ServeOptions.parse([]).resolved(environment: ["ALBUM_ADMIN_TOKEN": ""], cores: 8).adminToken == nil,
                "empty means none")
        #expect(throws: ValidationError.self) {
            try ServeOptions.parse([]).resolved(environment: ["ALBUM_ADMIN_TOKEN": "has space"], cores: 8)
        }
        #expect(throws: ValidationError.self) {
            try ServeOptions.parse(["--api-token", "tab\there"]).resolved(environment: [:], cores: 8)
        }
        #expect(throws: ValidationError.self) {
            try ServeOptions.parse([]).resolved(environment: ["ALBUM_READ_ONLY": "maybe"], cores: 8)
        }
        #expect(try !ServeOptions.parse([]).resolved(environment: ["ALBUM_READ_ONLY": "0"], cores: 8).readOnly)
        #expect(try ServeOptions.parse([]).resolved(environment: ["ALBUM_READ_ONLY": "1"], cores: 8).readOnly)
    }

    @Test func deployTokenComesFromTheFlagOrTheEnvironment() async throws {
        let base = ["--server", "http://127.0.0.1:1", "--tasks-from", "x", "--task", "y"]
        #expect(try DeployCommand.parse(base).resolvedToken(environment: [:]) == nil)
        #expect(try DeployCommand.parse(base).resolvedToken(environment: ["ALBUM_ADMIN_TOKEN": "env"]) == "env")
        #expect(try DeployCommand.parse(base + ["--token", "flag"]).resolvedToken(environment: ["ALBUM_ADMIN_TOKEN": "env"]) == "flag")
    }
}
