// A client that goes away cancels its running request, and the row it held is freed: a closed connection and a
// half-closed one (the client shuts its sending side, as nginx counts for 499) both stop a request that is already
// decoding. The iteration gate runs the model one step at a time, so "running" is exact: the request was admitted
// and holds the only row when the client leaves, and it asks for far more tokens than the test ever steps.
import Engine
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Scheduling
import Server
import ServerAPI
import Testing

@Suite struct CancellationTests {
    static let longRequest = #"{"task": "peft-pt", "input": "hello", "max_new_tokens": 256}"#

    enum Leaving: String, CaseIterable, CustomStringConvertible {
        case closes, halfCloses
        var description: String { rawValue }
    }

    @Test(arguments: Leaving.allCases)
    func clientLeavingCancelsItsRunningRequestAndFreesTheRow(leaving: Leaving) async throws {
        let gate = IterationGate()
        let fixture = try RealEngine(configuration: EngineConfiguration(policy: BatchPolicy(maxBatchRows: 1),
                                                                        iterationGate: gate))
        defer { fixture.removeTasks() }
        let engine = fixture.engine
        try await withServer(fixture) { port in
            let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(60)))
            client.connect()
            let response = Task {
                try await client.execute(TestClient.Request(
                    "/v1/generate", method: .post, authority: "localhost", headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: Self.longRequest)))
            }
            try await poll("the request to be queued") { engine.queueDepth == 1 }
            try await gate.step()
            #expect(engine.runningCount == 1 && engine.queueDepth == 0, "admitted: it holds the only row and decodes")
            #expect(engine.statistics.encoderPasses == 1)

            switch leaving {
            case .closes: try await client.close(mode: .all)
            case .halfCloses: try await client.close(mode: .output)
            }
            // Each iteration decodes one more token until the cancellation reaches the scheduler. This input never
            // produces </s> within its 256 tokens, so the request cannot end by itself in the ≥ 5 s that 255 paced
            // steps take; the outcome metrics below would show it if it did.
            try await poll("the cancelled request to free its row") {
                if engine.runningCount == 0 { return true }
                try await gate.step()
                try await Task.sleep(for: .milliseconds(20))
                return false
            }
            let metrics = { String(decoding: fixture.metrics.exposition(), as: UTF8.self) }
            #expect(sample(metrics(), "album_engine_requests_total", #"task="peft-pt",outcome="cancelled""#) == 1)
            #expect(sample(metrics(), "album_engine_requests_total", #"task="peft-pt",outcome="ok""#) == nil)
            #expect(engine.statistics.completed == 0)
            try await poll("the handler to answer 499") {
                sample(metrics(), "album_http_errors_total", #"route="/v1/generate",task="peft-pt",code="cancelled""#) == 1
            }
            #expect(sample(metrics(), "album_http_requests_total", #"route="/v1/generate",task="peft-pt",status="499""#) == 1)

            switch leaving {
            case .closes:
                await #expect(throws: (any Error).self, "a closed connection gets no answer") { try await response.value }
            case .halfCloses:
                // A half-closed client can still read: it gets the 499 in the one error shape.
                let answer = try await response.value
                #expect(answer.status.code == 499)
                let error = try answer.decoded(ErrorBody.self).error
                #expect(error.code == "cancelled" && error.message == "the request was cancelled")
                #expect(error.requestID == answer.headers[HTTPField.Name("X-Request-ID")!])
            }
            try? await client.shutdown()

            // The freed row serves the next request (there is only one row). After going idle the model thread
            // admits a newcomer without the gate, so the test steps only while the engine has work.
            let finished = Handoff<Bool>()
            let next = Task {
                defer { finished.set(true) }
                return try await send(port: port, .post, "/v1/generate", body: #"{"task": "peft-pt", "input": "next", "max_new_tokens": 2}"#)
            }
            try await poll("the next request to finish") {
                if finished.isSet { return true }
                if engine.queueDepth + engine.runningCount > 0 { try await gate.step() }
                return false
            }
            let answer = try await next.value
            #expect(answer.status == .ok)
            #expect(try answer.decoded(GenerateResponse.self).ids.count <= 2)
        }
    }
}
