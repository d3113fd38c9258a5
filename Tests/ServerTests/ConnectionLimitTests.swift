// Connection-level limits over real sockets, with test-short timeouts: an idle connection is closed, a header or
// body trickled too slowly (slow-loris) is cut, connections beyond the maximum get 503 and are closed while an open
// one still answers `/healthz`, and a declared `Content-Length` over the limit is 413 before any body byte is sent.
import Engine
import Foundation
import Server
import Testing

@Suite struct ConnectionLimitTests {
    static func server(_ change: (inout ServerConfiguration) -> Void) -> ServerConfiguration {
        var configuration = ServerConfiguration(port: 0)
        change(&configuration)
        return configuration
    }

    static let health = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"

    @Test func idleConnectionIsClosed() async throws {
        let fixture = try RealEngine()
        defer { fixture.removeTasks() }
        try await withServer(fixture, Self.server { $0.idleTimeout = .milliseconds(300) }) { port in
            let idle = try await RawConnection(port: port)
            let start = ContinuousClock.now
            let (text, closed) = await idle.readUntilClosed(timeout: .seconds(10))
            #expect(closed && text.isEmpty, "closed without an answer")
            #expect(ContinuousClock.now - start < .seconds(5))
            // A keep-alive connection that served a request closes after the same idle time.
            let used = try await RawConnection(port: port)
            used.send(Self.health)
            #expect(await used.readResponse(timeout: .seconds(10))?.status == 200)
            #expect(await used.readUntilClosed(timeout: .seconds(10)).closed)
        }
    }

    @Test func slowHeaderIsCut() async throws {
        let fixture = try RealEngine()
        defer { fixture.removeTasks() }
        try await withServer(fixture, Self.server { $0.headerTimeout = .milliseconds(300) }) { port in
            let loris = try await RawConnection(port: port)
            let start = ContinuousClock.now
            loris.send("GET /healthz HTTP/1.1\r\n")
            // Keeps trickling header lines; the connection must close after ~300 ms all the same.
            var closedAt: Duration?
            for i in 0..<40 {
                if !loris.send("X-Pad-\(i): a\r\n") { closedAt = ContinuousClock.now - start; break }
                if await loris.readUntilClosed(timeout: .milliseconds(100)).closed { closedAt = ContinuousClock.now - start; break }
            }
            let elapsed = try #require(closedAt, "the trickling header was never cut")
            #expect(elapsed >= .milliseconds(250) && elapsed < .seconds(3), "cut after \(elapsed)")
        }
    }

    @Test func slowBodyIsCut() async throws {
        let fixture = try RealEngine()
        defer { fixture.removeTasks() }
        try await withServer(fixture, Self.server { $0.bodyTimeout = .milliseconds(300) }) { port in
            let loris = try await RawConnection(port: port)
            let start = ContinuousClock.now
            loris.send("POST /v1/generate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
            var closedAt: Duration?
            for _ in 0..<40 {
                if !loris.send(" ") { closedAt = ContinuousClock.now - start; break }
                if await loris.readUntilClosed(timeout: .milliseconds(100)).closed { closedAt = ContinuousClock.now - start; break }
            }
            let elapsed = try #require(closedAt, "the trickling body was never cut")
            #expect(elapsed >= .milliseconds(250) && elapsed < .seconds(3), "cut after \(elapsed)")
            #expect(fixture.engine.statistics.encoderPasses == 0)
        }
    }

    @Test func connectionsBeyondTheMaximumAreRefused() async throws {
        let fixture = try RealEngine()
        defer { fixture.removeTasks() }
        try await withServer(fixture, Self.server { $0.maxConnections = 2 }) { port in
            let first = try await RawConnection(port: port)
            let second = try await RawConnection(port: port)
            first.send(Self.health)
            #expect(await first.readResponse(timeout: .seconds(10))?.status == 200)
            second.send(Self.health)
            #expect(await second.readResponse(timeout: .seconds(10))?.status == 200)

            let third = try await RawConnection(port: port)
            let (refusal, closed) = await third.readUntilClosed(timeout: .seconds(10))
            #expect(closed && refusal.hasPrefix("HTTP/1.1 503"), "\(refusal)")
            #expect(refusal.contains(#""code":"too_many_connections""#))

            // The open connections still answer.
            first.send(Self.health)
            #expect(await first.readResponse(timeout: .seconds(10))?.status == 200)

            // Once one closes, a new connection is served again.
            first.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            #expect(await first.readUntilClosed(timeout: .seconds(10)).closed)
            first.hangUp()  // the server half-closed; the connection ends when the client closes too
            var served = false
            for _ in 0..<50 where !served {
                let next = try await RawConnection(port: port)
                next.send(Self.health)
                served = await next.readResponse(timeout: .seconds(2))?.status == 200
                if !served { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(served)
        }
    }

    @Test func declaredBodyOverTheLimitIs413BeforeItIsSent() async throws {
        let fixture = try RealEngine()
        defer { fixture.removeTasks() }
        try await withServer(fixture, Self.server { $0.maxBodyBytes = 1000 }) { port in
            let client = try await RawConnection(port: port)
            let start = ContinuousClock.now
            client.send("POST /v1/classify HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n")
            let response = try #require(await client.readResponse(timeout: .seconds(10)), "no answer before the body")
            #expect(response.status == 413 && response.text.contains(#""code":"payload_too_large""#), "\(response.text)")
            #expect(ContinuousClock.now - start < .seconds(5))
            #expect(response.text.lowercased().contains("connection: close"))
            #expect(await client.readUntilClosed(timeout: .seconds(5)).closed, "closed rather than reading 100 MB")
            // The same for an upload over its own limit, even without a token on loopback.
            let upload = try await RawConnection(port: port)
            upload.send("PUT /v1/tasks/big HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000000000\r\n\r\n")
            #expect(await upload.readResponse(timeout: .seconds(10))?.status == 413)
        }
    }

    @Test func brokenFramingAndAbortedBodiesAreClientErrors() async throws {
        let fixture = try RealEngine()
        defer { fixture.removeTasks() }
        try await withServer(fixture) { port in
            let broken = try await RawConnection(port: port)
            broken.send("POST /v1/generate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"tas\r\nzz\r\n")
            let (answer, _) = await broken.readUntilClosed(timeout: .seconds(10))
            #expect(!answer.hasPrefix("HTTP/1.1 5"), "\(answer)")
            let aborting = try await RawConnection(port: port)
            aborting.send("POST /v1/generate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                          + "Content-Length: 100\r\n\r\n{\"task\": \"peft-")
            aborting.hangUp()
            let metrics = { String(decoding: fixture.metrics.exposition(), as: UTF8.self) }
            try await poll(timeout: .seconds(10), "both requests to be counted") {
                metrics().split(separator: "\n").filter { $0.hasPrefix(#"album_http_requests_total{route="/v1/generate""#) }
                    .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +) == 2
            }
            let lines = metrics().split(separator: "\n").filter { $0.hasPrefix("album_http_requests_total") }
            #expect(!lines.contains { $0.contains(#"status="5"#) }, "\(lines)")
            #expect(sample(metrics(), "album_http_requests_total", #"route="/v1/generate",task="",status="400""#) == 2)
        }
    }
}
