// Learning-rate schedules against transformers' get_linear_schedule_with_warmup, get_constant_schedule_with_warmup
// and get_constant_schedule driven by a torch LambdaLR (Tests/Fixtures/training/schedules.json): the lr that
// optimizer step s = 0…13 uses. Tolerance 0: the same Double operations in the same order.
import Testing
import TestSupport
import Training

@Suite struct LearningRateScheduleTests {
    @Test func matchesTransformers() throws {
        let root = try #require(try Fixtures.json("training/schedules.json") as? [String: Any])
        let cases = try #require(root["cases"] as? [[String: Any]])
        #expect(cases.count == 6)
        for spec in cases {
            let kind = try #require(spec["kind"] as? String)
            let schedule: LearningRateSchedule
            switch kind {
            case "linear":
                schedule = .linear(warmupSteps: try #require(spec["warmup"] as? Int), totalSteps: try #require(spec["total"] as? Int))
            case "constant_with_warmup":
                schedule = .constantWithWarmup(warmupSteps: try #require(spec["warmup"] as? Int))
            default:
                schedule = .constant
            }
            let base = try #require(spec["base_lr"] as? Double)
            // Written as repr strings; Double(String) parses them correctly rounded (Foundation's JSON parser does not).
            let expected = try #require(spec["lrs"] as? [String]).compactMap(Double.init)
            #expect(expected.count == 14)
            let got = expected.indices.map { schedule.learningRate(base: base, step: $0) }
            #expect(got == expected, "\(schedule): got \(got), transformers \(expected) (tolerance 0)")
        }
    }

    @Test func validation() {
        #expect(throws: TrainingError.self) { try LearningRateSchedule.linear(warmupSteps: -1, totalSteps: 5).validate() }
        #expect(throws: TrainingError.self) { try LearningRateSchedule.constantWithWarmup(warmupSteps: -2).validate() }
        #expect(throws: Never.self) { try LearningRateSchedule.linear(warmupSteps: 500, totalSteps: 10_000).validate() }
    }
}
