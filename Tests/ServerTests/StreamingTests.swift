// Streamed generation over a real socket: with the iteration gate running the model one decode step at a time, each
// step's token arrives as its own Server-Sent Event before the next step runs (so the stream is incremental, not a
// replay), the events carry id, text piece and log-probability, the last one the whole response, and a client that
// leaves mid-stream cancels the request. OpenAI streaming chunks end in `data: [DONE]`.
import Engine
import Foundation
import HTTPTypes
import Scheduling
import Server
import ServerAPI
import Testing

@Suite struct StreamingTests {
    static func post(_ body: String, path: String = "/v1/generate") -> String {
        "POST \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    /// `text` with CRLF as LF: the chunked framing's size lines become lines of their own ("\r\n" is one Character,
    /// so splitting on "\n" would not separate them).
    static func unframed(_ text: String) -> String { text.replacingOccurrences(of: "\r\n", with: "\n") }

    /// The JSON data of every `event: name` event in `text`.
    static func events(_ name: String, in text: String) -> [[String: Any]] {
        unframed(text).components(separatedBy: "\n\n").compactMap { block -> [String: Any]? in
            let lines = block.split(separator: "\n")
            guard lines.contains(where: { $0 == "event: \(name)" }),
                  let data = lines.first(where: { $0.hasPrefix("data: ") }) else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(data.dropFirst(6).utf8)) as? [String: Any]
        }
    }

    @Test func tokensArriveOneEventPerStepThenTheWholeResponse() async throws {
        let gate = IterationGate()
        let fixture = try RealEngine(configuration: EngineConfiguration(policy: BatchPolicy(maxBatchRows: 1),
                                                                        iterationGate: gate))
        defer { fixture.removeTasks() }
        let engine = fixture.engine
        // The reference: the same request, not streamed, with log-probabilities.
        try await withServer(fixture) { port in
            let solo = Task { try await engine.generate(GenerateJob(task: "peft-pt", input: TaskInput(text: "hello"),
                                                                    maxNewTokens: 6, logprobs: 0)) }
            try await poll("the reference to finish") {
                try await gate.step()
                return engine.statistics.completed == 1
            }
            let expected = try await solo.value
            try #require(expected.ids.count >= 3)

            let connection = try await RawConnection(port: port)
            #expect(connection.send(Self.post(#"{"task": "peft-pt", "input": "hello", "max_new_tokens": 6, "stream": true}"#)))
            try await poll("the stream's request to be queued") { engine.queueDepth == 1 }
            var seen = ""
            for step in 1...expected.ids.count {
                try await gate.step()
                seen = await connection.read(until: { Self.events("token", in: $0).count >= step }, timeout: .seconds(60))
                let tokens = Self.events("token", in: seen)
                #expect(tokens.count == step, "one event per decode step, sent before the next step runs")
                #expect(Self.events("done", in: seen).isEmpty || step == expected.ids.count)
            }
            #expect(seen.hasPrefix("HTTP/1.1 200"))
            #expect(seen.lowercased().contains("content-type: text/event-stream"))
            seen = await connection.read(until: { !Self.events("done", in: $0).isEmpty }, timeout: .seconds(60))
            let tokens = Self.events("token", in: seen).map { $0["token"] as! [String: Any] }
            #expect(tokens.map { Int32($0["id"] as! Int) } == expected.ids)
            let want = try #require(expected.tokens)
            for (got, reference) in zip(tokens, want) {
                #expect(got["text"] as? String == reference.text)
                let logprob = try #require(got["logprob"] as? Double)
                #expect(abs(logprob - reference.logProb!) < 1e-5 && logprob <= 0)
            }
            #expect(tokens.map { $0["text"] as! String }.joined() == expected.text)
            let done = try #require(Self.events("done", in: seen).first)
            #expect(done["output"] as? String == expected.text)
            #expect(done["finish_reason"] as? String == expected.finishReason.rawValue)
            #expect((done["usage"] as? [String: Any])?["output_tokens"] as? Int == expected.ids.count)
        }
    }

    @Test func aClientLeavingMidStreamCancelsTheRequest() async throws {
        let gate = IterationGate()
        let fixture = try RealEngine(configuration: EngineConfiguration(policy: BatchPolicy(maxBatchRows: 1),
                                                                        iterationGate: gate))
        defer { fixture.removeTasks() }
        let engine = fixture.engine
        try await withServer(fixture) { port in
            let connection = try await RawConnection(port: port)
            #expect(connection.send(Self.post(#"{"task": "peft-pt", "input": "hello", "max_new_tokens": 256, "stream": true}"#)))
            try await poll("the request to be queued") { engine.queueDepth == 1 }
            try await gate.step()
            let seen = await connection.read(until: { !Self.events("token", in: $0).isEmpty }, timeout: .seconds(60))
            #expect(Self.events("token", in: seen).count == 1)
            connection.hangUp()
            // Each step decodes one more token until the cancellation reaches the scheduler; 256 tokens never end
            // in the time this takes (the outcome metric would say so).
            try await poll("the cancelled stream to free its row") {
                if engine.runningCount == 0 { return true }
                try await gate.step()
                try await Task.sleep(for: .milliseconds(20))
                return false
            }
            let metrics = String(decoding: fixture.metrics.exposition(), as: UTF8.self)
            #expect(sample(metrics, "album_engine_requests_total", #"task="peft-pt",outcome="cancelled""#) == 1)
            #expect(sample(metrics, "album_engine_requests_total", #"task="peft-pt",outcome="ok""#) == nil)
        }
    }

    @Test func aDeadlinePassingMidStreamEndsItWithAnErrorEvent() async throws {
        let clock = ManualClock(), gate = IterationGate()
        let fixture = try RealEngine(configuration: EngineConfiguration(policy: BatchPolicy(maxBatchRows: 1),
                                                                        clock: { clock.read() }, iterationGate: gate))
        defer { fixture.removeTasks() }
        let engine = fixture.engine
        try await withServer(fixture, ServerConfiguration(port: 0, requestTimeout: .milliseconds(300))) { port in
            let connection = try await RawConnection(port: port)
            #expect(connection.send(Self.post(#"{"task": "peft-pt", "input": "hello", "max_new_tokens": 256, "stream": true}"#)))
            try await poll("the request to be queued") { engine.queueDepth == 1 }
            try await gate.step()
            _ = await connection.read(until: { !Self.events("token", in: $0).isEmpty }, timeout: .seconds(60))
            clock.advance(by: .seconds(1))
            try await gate.step()
            let text = await connection.read(until: { !Self.events("error", in: $0).isEmpty }, timeout: .seconds(60))
            #expect(text.hasPrefix("HTTP/1.1 200"), "the head went out with the first token")
            let error = try #require(Self.events("error", in: text).first?["error"] as? [String: Any])
            #expect(error["code"] as? String == "deadline_exceeded")
            #expect(error["message"] as? String == "the request did not finish within its 300 ms deadline")
            #expect(Self.events("done", in: text).isEmpty)
            #expect(Self.events("token", in: text).count == 1)
        }
        let metrics = String(decoding: fixture.metrics.exposition(), as: UTF8.self)
        #expect(sample(metrics, "album_engine_requests_total", #"task="peft-pt",outcome="deadline_exceeded""#) == 1)
    }

    @Test func openAIStreamSendsDataChunksAndDone() async throws {
        let fixture = try RealEngine()
        defer { fixture.removeTasks() }
        let engine = fixture.engine
        try await withServer(fixture) { port in
            let expected = try await engine.generate(GenerateJob(task: "peft-pt", input: TaskInput(text: "hi"), maxNewTokens: 4))
            let connection = try await RawConnection(port: port)
            let body = #"{"model": "peft-pt", "prompt": "hi", "max_tokens": 4, "stream": true, "stream_options": {"include_usage": true}, "logprobs": 1}"#
            #expect(connection.send(Self.post(body, path: "/v1/completions")))
            let text = await connection.read(until: { $0.contains("data: [DONE]\n\n") }, timeout: .seconds(60))
            let chunks = Self.unframed(text).components(separatedBy: "\n\n").compactMap { block -> CompletionResponse? in
                guard let data = block.split(separator: "\n").first(where: { $0.hasPrefix("data: {") }) else { return nil }
                return try? JSONDecoder().decode(CompletionResponse.self, from: Data(data.dropFirst(6).utf8))
            }
            #expect(chunks.count == expected.ids.count + 2, "one per token, the finish chunk, the usage chunk")
            #expect(chunks.dropLast().compactMap { $0.choices.first?.text }.joined() == expected.text)
            #expect(chunks[expected.ids.count].choices.first?.finishReason == (expected.finishReason == .length ? "length" : "stop"))
            #expect(chunks.last?.choices.isEmpty == true)
            #expect(chunks.last?.usage == CompletionUsage(promptTokens: expected.inputTokens, completionTokens: expected.ids.count))
            #expect(chunks.first?.choices.first?.logprobs?.topLogprobs.first?.count == 1)
            let done = try #require(text.range(of: "data: [DONE]\n\n", options: .backwards))
            #expect(text.range(of: "data: {", options: .backwards)!.lowerBound < done.lowerBound, "[DONE] comes last")
        }
    }
}
