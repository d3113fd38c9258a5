// The combination rules of ensemble tasks on constructed scores: where `vote` and `sum-logprobs` disagree, how a
// tied vote is broken, and that identical members give the single member's scores bit for bit.
import Prompts
import Testing

@Suite struct EnsembleCombinerTests {
    /// Two members mildly prefer label 0, one strongly prefers label 1: the majority says 0, the summed
    /// log-probabilities say 1.
    @Test func voteAndSumDisagreeOnAConstructedCase() {
        let scores: [[Double]] = [[-0.5, -1.0], [-0.5, -1.0], [-10.0, -0.25]]
        let vote = EnsembleCombiner.combine(scores, .vote)
        let sum = EnsembleCombiner.combine(scores, .sumLogprobs)
        #expect(vote.best == 0 && sum.best == 1)
        #expect(vote.votes == [0, 0, 1] && sum.votes == [0, 0, 1])
        #expect(vote.scores == sum.scores)
        #expect(abs(vote.scores[0] - (-11.0 / 3)) < 1e-12 && abs(vote.scores[1] - (-2.25 / 3)) < 1e-12)
    }

    @Test func aTiedVoteGoesToTheHigherSummedLogProbability() {
        // One vote each for labels 0 and 1; label 2 gets none although its sum is between.
        let scores: [[Double]] = [[-0.1, -0.2, -5], [-4, -0.5, -0.6]]
        #expect(EnsembleCombiner.combine(scores, .vote).best == 1)  // sums: -4.1, -0.7, -5.6
        // A tie in votes and sums goes to the first label.
        #expect(EnsembleCombiner.combine([[-1, -2], [-2, -1]], .vote).best == 0)
        #expect(EnsembleCombiner.combine([[-1, -2], [-2, -1]], .sumLogprobs).best == 0)
    }

    @Test func identicalMembersGiveTheMembersScoresExactly() {
        let member: [Double] = [-0.1234567891, -7.000000123, -3.3333333333]
        for k in 2...16 {
            let decision = EnsembleCombiner.combine(Array(repeating: member, count: k), .sumLogprobs)
            #expect(decision.scores == member, "K = \(k)")
            #expect(decision.best == 0 && decision.votes == Array(repeating: 0, count: k))
        }
    }
}
