import Evaluation
import Foundation
import SeededRandom
import Testing

// HR@K, NDCG@K and the sampled AUC against values worked out by hand, and the paired sign-flip
// test against its exact enumeration. Tolerance 1e-15: each value is a handful of Double
// operations on exact inputs.
@Suite struct RankingMetricsTests {
    @Test func ranksByHand() {
        // Positive 0.5 among [0.9, 0.7, 0.1, 0.2]: rank 3.
        let r = rankingOfPositive(0.5, among: [0.9, 0.7, 0.1, 0.2], k: 5)
        #expect(r.hit == 1)
        #expect(abs(r.ndcg - 0.5) < 1e-15)                  // 1 / log2(4)
        #expect(r.auc == 0.5)                               // 2 of 4 negatives below
        #expect(rankingOfPositive(0.5, among: [0.9, 0.7, 0.1, 0.2], k: 2).hit == 0)
        #expect(rankingOfPositive(0.5, among: [0.9, 0.7, 0.1, 0.2], k: 2).ndcg == 0)
        // Best and worst.
        #expect(rankingOfPositive(1, among: [0, 0, 0], k: 1) == (1, 1, 1))
        #expect(rankingOfPositive(-1, among: [0, 0, 0], k: 3) == (0, 0, 0))
    }

    /// A tie takes each rank it spans with equal probability: positive tied with 2 negatives and
    /// below 1 spans ranks 2, 3, 4.
    @Test func tiesAreExpectations() {
        let r = rankingOfPositive(0.5, among: [0.9, 0.5, 0.5, 0.1], k: 3)
        #expect(abs(r.hit - 2.0 / 3) < 1e-15)
        #expect(abs(r.ndcg - (1 / log2(3.0) + 1 / log2(4.0)) / 3) < 1e-15)
        #expect(abs(r.auc - (1 + 1) / 4.0) < 1e-15)          // 1 below, 2 tied
    }

    /// A scorer that gives every candidate the same score is exactly at chance:
    /// HR@K = K / (N + 1), NDCG@K = sum_{r=1..K} 1 / log2(r + 1) / (N + 1), AUC = 1/2.
    @Test func constantScorerIsChance() throws {
        let n = 19, users = 7
        let q = try rankingQuality(positiveScores: [Double](repeating: 0.3, count: users),
                                   negativeScores: [[Double]](repeating: [Double](repeating: 0.3, count: n), count: users), k: 5)
        #expect(abs(q.hitRate - 5.0 / 20) < 1e-15)
        let ndcg = (1...5).reduce(0.0) { $0 + 1 / log2(Double($1 + 1)) } / 20
        #expect(abs(q.ndcg - ndcg) < 1e-15)
        #expect(q.auc == 0.5)
        #expect(q.users == users)
    }

    @Test func meansOverUsers() throws {
        // User 0 at rank 1, user 1 at rank 2, user 2 at rank 6 (outside K = 5).
        let q = try rankingQuality(positiveScores: [5, 5, 0],
                                   negativeScores: [[1, 2, 3, 4, 0], [6, 1, 2, 3, 4], [1, 2, 3, 4, 5]], k: 5)
        #expect(q.userHits == [1, 1, 0])
        #expect(abs(q.hitRate - 2.0 / 3) < 1e-15)
        #expect(abs(q.ndcg - (1 + 1 / log2(3.0)) / 3) < 1e-15)
        #expect(abs(q.auc - (1 + 0.8 + 0) / 3) < 1e-15)
    }

    @Test func badInputIsAnError() {
        #expect(throws: MetricError("HR@K/NDCG@K: user 1 has no negatives")) {
            try rankingQuality(positiveScores: [1, 2], negativeScores: [[0], []], k: 5)
        }
        #expect(throws: MetricError("HR@K/NDCG@K: K is 0, expected at least 1")) {
            try rankingQuality(positiveScores: [1], negativeScores: [[0]], k: 0)
        }
        #expect(throws: MetricError("HR@K/NDCG@K: user 0 has a score that is not a finite number")) {
            try rankingQuality(positiveScores: [1], negativeScores: [[.nan]], k: 1)
        }
    }

    /// Differences d = [1, 2, 3]: of the 8 sign assignments, |sum| >= 6 for (+,+,+) and (-,-,-)
    /// only: p = 2/8. With d = [1, 1]: |sum| >= 2 for 2 of 4: p = 1/2.
    @Test func permutationTestExact() throws {
        var s = SeedBook(seed: 0).stream(.bootstrap)
        let r = try pairedPermutationTest([2, 3, 4], [1, 1, 1], stream: &s)
        #expect(r.exact && r.assignments == 8)
        #expect(r.pValue == 0.25)
        #expect(r.difference == 2)
        #expect(try pairedPermutationTest([1, 1], [0, 0], stream: &s).pValue == 0.5)
        // Equal values: every assignment is as extreme, p = 1.
        #expect(try pairedPermutationTest([0.3, 0.7], [0.3, 0.7], stream: &s).pValue == 1)
    }

    /// Drawn assignments approach the exact p: 12 users with d = -5 ... 6 (observed sum 6), the
    /// exact p by enumerating the 4,096 assignments, against 20,000 drawn ones within 4 standard
    /// errors of a binomial proportion.
    @Test func permutationTestDrawnMatchesExact() throws {
        let shifted = (1...12).map { Double($0) - 6 }, b = [Double](repeating: 0, count: 12)
        var s = SeedBook(seed: 1).stream(.bootstrap)
        let exact = try pairedPermutationTest(shifted, b, stream: &s)
        let drawn = try pairedPermutationTest(shifted, b, resamples: 20_000, exactUpTo: 0, stream: &s)
        #expect(exact.exact && !drawn.exact)
        let se = (exact.pValue * (1 - exact.pValue) / 20_000).squareRoot()
        #expect(abs(drawn.pValue - exact.pValue) < 4 * se + 1e-4)
        #expect(exact.pValue > 0.05 && exact.pValue < 0.95)
    }
}
