// A model thread: schedule → assemble → run → complete, one iteration at a time (vLLM's engine step).
// New requests' encoder passes run in the same iteration as the decode step of the sequences already running, so
// each sequence finishes independently and rows are refilled as soon as they free up. With several workers, each
// thread runs this loop over its own scheduler lane; the lock is held only to schedule and to complete.
import Foundation
import Kernels
import Prompts
import Scheduling
import T5

extension Engine {
    /// Body of model thread `worker` (its scheduler lane). The last worker to leave marks the engine stopped.
    func runLoop(worker: Int) {
        while true {
            configuration.iterationGate?.pass()
            guard let (step, admitted, decoding) = nextStep(worker: worker) else { break }
            let results = runIteration(admitted: admitted, decoding: decoding)
            complete(step: step, results: results)
        }
        condition.lock()
        liveWorkers -= 1
        guard liveWorkers == 0 else {
            condition.unlock()
            return
        }
        threadState = .stopped
        let waiters = exitWaiters
        exitWaiters = []
        condition.unlock()
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until the scheduler has work (or the engine drained), then takes the step and its jobs. Requests that
    /// expired or were cancelled are failed here. Returns nil when the thread should exit.
    private func nextStep(worker: Int) -> (SchedulerStep, [Job<Backend>], [Job<Backend>])? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            // Draining: a worker leaves once the queue is empty and its own rows are done.
            if threadState == .stopping && scheduler.isIdle(lane: worker) { return nil }
            let now = configuration.clock()
            let step = scheduler.schedule(now: now, lane: worker)
            for id in step.expired {
                if let job = jobs.removeValue(forKey: id) {
                    job.continuation.resume(throwing: EngineError.deadlineExceeded(
                        timeoutMilliseconds: job.timeoutMilliseconds))
                    metrics.finished(task: job.task.name, outcome: "deadline_exceeded")
                }
            }
            for id in step.cancelled {
                if let job = jobs.removeValue(forKey: id) {
                    job.continuation.resume(throwing: EngineError.cancelled)
                    metrics.finished(task: job.task.name, outcome: "cancelled")
                }
            }
            metrics.queueDepth.record(scheduler.queuedCount)
            metrics.running.record(scheduler.runningRows)
            if !step.admitted.isEmpty || !step.decoding.isEmpty {
                stats.iterations += 1
                stats.peakRows = max(stats.peakRows, scheduler.runningRows)
                if !step.admitted.isEmpty {
                    stats.encoderPasses += 1
                    stats.admittedPerWorker[worker] += step.admitted.count
                    stats.peakTasksPerEncoderPass = max(stats.peakTasksPerEncoderPass,
                                                        Set(step.admitted.map(\.task)).count)
                    let admittedIDs = Set(step.admitted.map(\.id))
                    if step.decoding.contains(where: { !admittedIDs.contains($0) }) { stats.joinedWhileDecoding += 1 }
                }
                // Draining: admitting may have emptied the queue, which lets idle workers leave.
                if threadState == .stopping { condition.broadcast() }
                return (step, step.admitted.map { jobs[$0.id]! }, step.decoding.map { jobs[$0]! })
            }
            configuration.iterationGate?.noteIdle()
            if let wake = scheduler.nextWakeUp(lane: worker) {
                let delay = now.duration(to: wake)
                let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) * 1e-18
                _ = condition.wait(until: Date(timeIntervalSinceNow: max(seconds, 0)))
            } else {
                condition.wait()
            }
        }
    }

    /// Runs the model for one iteration, outside the lock. Returns the jobs that finished with their outcome.
    private func runIteration(admitted: [Job<Backend>], decoding: [Job<Backend>]) -> [(Job<Backend>, Result<JobOutput, EngineError>)] {
        var finished: [(Job<Backend>, Result<JobOutput, EngineError>)] = []
        var failedIDs: Set<RequestID> = []
        do {
            if !admitted.isEmpty {
                finished += try runAdmitted(admitted)
            }
        } catch {
            for job in admitted {
                finished.append((job, .failure(.internalFailure("encoder pass failed: \(error)"))))
                failedIDs.insert(job.id)
            }
        }
        let stepping = decoding.filter { !failedIDs.contains($0.id) && ($0.sequence != nil || $0.beam != nil) }
        guard !stepping.isEmpty else { return finished }
        let sequences = stepping.filter { $0.sequence != nil }, searches = stepping.filter { $0.beam != nil }
        do {
            // Greedy/sampled sequences and every beam search's K rows in one batched decoder step.
            try backend.decodeStep(sequences.map { $0.sequence! }, beams: searches.map { $0.beam! })
            for job in sequences {
                let sequence = job.sequence!
                var reason = backend.finishReason(of: sequence)
                if job.texts != nil {
                    let tokens = backend.tokens(of: sequence)
                    job.texts!.append(tokens[tokens.count - 1])  // one token per step
                    if job.texts!.stopOffset != nil { reason = .stop }
                    stream(job, finished: reason != nil)
                }
                if let reason {
                    let logProbs = backend.logProbs(of: sequence)
                    finished.append((job, .success(.generated(
                        ids: backend.tokens(of: sequence), reason: reason, attention: job.attention,
                        logProbs: logProbs.isEmpty ? nil : logProbs,
                        text: job.texts?.stopOffset != nil ? job.texts!.output : nil))))
                    job.sequence = nil
                }
            }
            for job in searches {
                guard let (ids, reason) = backend.result(of: job.beam!) else { continue }
                finished.append((job, .success(.generated(ids: ids, reason: reason, attention: job.attention,
                                                          logProbs: nil, text: nil))))
                job.beam = nil
            }
        } catch {
            for job in stepping { finished.append((job, .failure(.internalFailure("decode step failed: \(error)")))) }
        }
        return finished
    }

    /// Sends a streamed job's tokens that are now decided (all of them once `finished`).
    private func stream(_ job: Job<Backend>, finished: Bool) {
        guard let sink = job.sink, let texts = job.texts else { return }
        let ready = texts.releasable(finished: finished)
        guard ready > job.streamed else { return }
        let logProbs = backend.logProbs(of: job.sequence!)
        for index in job.streamed..<ready { sink.token(generatedToken(at: index, texts: texts, logProbs: logProbs)) }
        job.streamed = ready
    }

    /// Encoder pass for newly admitted rows (prompts built per task group), then: greedy rows and beam searches
    /// start decoding (their first step is this iteration's decode step), classification rows are scored in one
    /// batched decoder pass.
    private func runAdmitted(_ admitted: [Job<Backend>]) throws -> [(Job<Backend>, Result<JobOutput, EngineError>)] {
        // SPE prompts depend on the input embeddings X_i (n_i, d); the model assembles [P_i ; X_i] itself.
        let prompts = PromptBuilder.prompts(for: try admitted.map { PromptRow(task: $0.task, input: try backend.embed($0.inputIDs)) })
        // One encoder row per member prompt (K for an ensemble job, else 1), all in the same packed pass;
        // `firstRow[i]` is job i's first row.
        var rows: [EncoderRow] = [], firstRow: [Int] = []
        for (job, prompt) in zip(admitted, prompts) {
            firstRow.append(rows.count)
            rows += prompt.members.map { EncoderRow(prompt: $0, tokens: job.inputIDs) }
        }
        let encodedRows = try backend.encode(rows)
        let encoded = admitted.indices.map { encodedRows[firstRow[$0]] }
        func members(_ index: Int) -> [Backend.Encoded] {
            Array(encodedRows[firstRow[index]..<firstRow[index] + prompts[index].members.count])
        }
        metrics.batchRows.record(rows.count)
        let tokens = rows.reduce(0) { $0 + $1.length }  // packed: the encoder computes exactly these positions
        metrics.batchTokens.record(tokens)
        metrics.encoderTokens.increment(by: tokens)
        metrics.iterations.increment()
        var finished: [(Job<Backend>, Result<JobOutput, EngineError>)] = []
        var scoring: [ScoringJob] = []
        for (index, job) in admitted.enumerated() {
            job.attention = prompts[index].albumWeights
            // The encoder pass may have outlasted the request; long work checks again at every step below.
            if let stop = job.stopReason(now: configuration.clock()) {
                finished.append((job, .failure(stop)))
                continue
            }
            switch job.work {
            case .decode(let maxNewTokens, let sampling, let stop):
                job.sequence = backend.startDecoding(encoded[index], maxNewTokens: maxNewTokens, sampling: sampling)
                if !stop.isEmpty || job.sink != nil { job.texts = TokenTexts(codec: codec, stops: stop) }
            case .beam(let numBeams, let maxNewTokens):
                job.beam = backend.startBeamSearch(encoded[index], numBeams: numBeams, maxNewTokens: maxNewTokens)
                if configuration.blockingBeamSearch { finished += runBeamToEnd(job) }
            case .score(let targets):
                scoring.append((ScoringJob(job: job, members: members(index), targets: targets)))
            }
        }
        if !scoring.isEmpty { finished += runScoring(scoring) }
        return finished
    }

    /// `blockingBeamSearch` only: steps the job's beam search alone until it ends, checking its deadline and
    /// cancellation before each step.
    private func runBeamToEnd(_ job: Job<Backend>) -> [(Job<Backend>, Result<JobOutput, EngineError>)] {
        defer { job.beam = nil }
        do {
            while true {
                if let (ids, reason) = backend.result(of: job.beam!) {
                    return [(job, .success(.generated(ids: ids, reason: reason, attention: job.attention,
                                                      logProbs: nil, text: nil)))]
                }
                if let stop = job.stopReason(now: configuration.clock()) { return [(job, .failure(stop))] }
                try backend.decodeStep([], beams: [job.beam!])
            }
        } catch {
            return [(job, .failure(.internalFailure("beam search failed: \(error)")))]
        }
    }

    /// A classification job waiting to be scored: one encoder output per member prompt (one unless an ensemble).
    private struct ScoringJob {
        let job: Job<Backend>
        let members: [Backend.Encoded]
        let targets: [[Int32]]
    }

    /// Scores every (job, member, candidate) triple in chunks of at most `scoringChunkTokens` decoder positions (a longer
    /// candidate is a chunk of its own). Between chunks, a row that was cancelled or passed its deadline stops, so
    /// a request with many or long candidates answers 504 within one chunk of its deadline.
    private func runScoring(_ scoring: [ScoringJob]) -> [(Job<Backend>, Result<JobOutput, EngineError>)] {
        var scores = scoring.map { job in job.members.map { _ in [Double](repeating: 0, count: job.targets.count) } }
        var failures: [Int: EngineError] = [:]
        let pairs = scoring.indices.flatMap { row in
            scoring[row].members.indices.flatMap { member in
                scoring[row].targets.indices.map { (row: row, member: member, candidate: $0) }
            }
        }
        var next = 0
        while next < pairs.count {
            let now = configuration.clock()
            for row in scoring.indices where failures[row] == nil {
                if let stop = scoring[row].job.stopReason(now: now) { failures[row] = stop }
            }
            var chunk: [(row: Int, member: Int, candidate: Int)] = [], positions = 0
            while next < pairs.count {
                let pair = pairs[next]
                next += 1
                if failures[pair.row] != nil { continue }
                let length = scoring[pair.row].targets[pair.candidate].count
                if !chunk.isEmpty && positions + length > configuration.scoringChunkTokens {
                    next -= 1
                    break
                }
                chunk.append(pair)
                positions += length
            }
            guard !chunk.isEmpty else { break }
            // One item per (job, member) encoder row in the chunk, its candidates in order.
            var items: [(encoded: Backend.Encoded, targets: [[Int32]])] = []
            var owners: [[(row: Int, member: Int, candidate: Int)]] = []
            for pair in chunk {
                if let last = owners.last?.last, last.row == pair.row, last.member == pair.member {
                    items[items.count - 1].targets.append(scoring[pair.row].targets[pair.candidate])
                    owners[owners.count - 1].append(pair)
                } else {
                    items.append((scoring[pair.row].members[pair.member], [scoring[pair.row].targets[pair.candidate]]))
                    owners.append([pair])
                }
            }
            do {
                let chunkScores = try backend.score(items)
                for (item, pairsOfItem) in owners.enumerated() {
                    for (k, pair) in pairsOfItem.enumerated() { scores[pair.row][pair.member][pair.candidate] = chunkScores[item][k] }
                }
            } catch {
                for pair in chunk where failures[pair.row] == nil {
                    failures[pair.row] = .internalFailure("scoring failed: \(error)")
                }
            }
        }
        return scoring.indices.map { row in
            (scoring[row].job, failures[row].map { .failure($0) }
                ?? .success(.scored(scores[row], attention: scoring[row].job.attention)))
        }
    }

    /// Frees the rows of finished jobs and resumes their callers.
    private func complete(step: SchedulerStep, results: [(Job<Backend>, Result<JobOutput, EngineError>)]) {
        condition.lock()
        var resumable: [(Job<Backend>, Result<JobOutput, EngineError>)] = []
        var done: [RequestID] = []
        for (job, result) in results {
            // A job cancelled or expired meanwhile was already resumed and removed by `nextStep`; it still holds
            // no row then (the scheduler freed it), so only live jobs are finished here.
            guard jobs.removeValue(forKey: job.id) != nil else { continue }
            done.append(job.id)
            resumable.append((job, result))
        }
        scheduler.finish(done)
        stats.completed += resumable.filter { if case .success = $0.1 { true } else { false } }.count
        metrics.running.record(scheduler.runningRows)
        condition.unlock()
        for (job, result) in resumable {
            switch result {
            case .success(let output):
                job.continuation.resume(returning: output)
                metrics.finished(task: job.task.name, outcome: "ok")
            case .failure(let error):
                job.continuation.resume(throwing: error)
                let outcome = switch error {
                case .cancelled: "cancelled"
                case .deadlineExceeded: "deadline_exceeded"
                default: "internal_error"
                }
                metrics.finished(task: job.task.name, outcome: outcome)
            }
        }
    }
}
