// `album serve --workers`: resolution like every other setting, and how the threads are shared (OpenBLAS's
// process-wide count, each worker's budget), including the refusals.
import ArgumentParser
import Testing
@testable import album

@Suite struct ServeWorkersOptionsTests {
    @Test func workersResolveFromFlagEnvironmentOrDefault() throws {
        #expect(try ServeOptions.parse([]).resolved(environment: [:], cores: 4).workers == 1)
        #expect(try ServeOptions.parse([]).resolved(environment: ["ALBUM_WORKERS": "2"], cores: 4).workers == 2)
        #expect(try ServeOptions.parse(["--workers", "3"]).resolved(environment: ["ALBUM_WORKERS": "2"], cores: 4).workers == 3)
        #expect(throws: ValidationError.self) {
            try ServeOptions.parse([]).resolved(environment: ["ALBUM_WORKERS": "many"], cores: 4)
        }
    }

    @Test func oneWorkerTakesEveryThreadSeveralShareThem() throws {
        #expect(try ServeOptions.threadPlan(threads: 2, workers: 1) == (openBLAS: 2, perWorker: 2))
        #expect(try ServeOptions.threadPlan(threads: 2, workers: 2) == (openBLAS: 1, perWorker: 1),
                "several workers: single-threaded OpenBLAS, one thread each")
        #expect(try ServeOptions.threadPlan(threads: 8, workers: 2) == (openBLAS: 1, perWorker: 4))
        #expect(try ServeOptions.threadPlan(threads: 7, workers: 2) == (openBLAS: 1, perWorker: 3),
                "never more threads than asked for")
    }

    @Test func workersOutsideOneToThreadsAreRefused() throws {
        for (threads, workers) in [(2, 0), (2, 3), (1, 2), (0, 1), (4, -1)] {
            #expect(throws: ValidationError.self, "threads \(threads), workers \(workers)") {
                try ServeOptions.threadPlan(threads: threads, workers: workers)
            }
        }
    }
}
