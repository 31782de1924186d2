import Evaluation
import Foundation
import SeededRandom
import Testing
import TestSupport

@Suite struct ClosedFormTests {
    /// Positives score {0.9, 0.5, 0.1}, negatives {0.9, 0.3}. Of the 6 positive-negative pairs,
    /// (0.9, 0.3) and (0.5, 0.3) are ordered right, (0.9, 0.9) is a tie worth 1/2, the other three
    /// are wrong: AUC = 2.5 / 6 = 5/12.
    @Test func aucByHand() throws {
        let labels = [1, 0, 1, 0, 1], scores = [0.9, 0.9, 0.5, 0.3, 0.1]
        #expect(abs(try rocAUC(labels: labels, scores: scores) - 5.0 / 12) < 1e-15)
        #expect(try rocAUC(labels: [0, 1], scores: [0.1, 0.2]) == 1)
        #expect(try rocAUC(labels: [0, 1], scores: [0.2, 0.1]) == 0)
        #expect(try rocAUC(labels: [0, 1, 0, 1], scores: [3, 3, 3, 3]) == 0.5)
        // Only the order matters: a monotone transform leaves the AUC unchanged.
        #expect(try rocAUC(labels: labels, scores: scores.map { exp(10 * $0) }) == (try rocAUC(labels: labels, scores: scores)))
    }

    @Test func userAUCByHand() throws {
        // User 7: AUC 1; user 3: positives {0.2}, negatives {0.4, 0.2}: (0 + 0.5) / 2 = 0.25;
        // user 5 has one label only and is skipped. Mean = (1 + 0.25) / 2.
        let u = try userAUC(labels: [1, 0, 1, 0, 0, 1, 1], scores: [0.8, 0.1, 0.2, 0.4, 0.2, 0.5, 0.6],
                            users: [7, 7, 3, 3, 3, 5, 5])
        #expect(u == UserAUC(value: 0.625, usersCounted: 2, usersSkipped: 1))
    }

    @Test func logLossByHand() throws {
        let l = try logLoss(labels: [1, 0], probabilities: [0.8, 0.4])
        #expect(abs(l - (-(log(0.8) + log(0.6)) / 2)) < 1e-15)
        // Clipping: a certain wrong prediction costs -log(eps), not infinity.
        #expect(try logLoss(labels: [1], probabilities: [0]) == -log(Double.ulpOfOne))
        #expect(try logLoss(labels: [0], probabilities: [0]) == -log(1 - Double.ulpOfOne))
    }

    @Test func badInputIsAnError() {
        #expect(throws: MetricError("AUC: needs both labels, got 2 positives and 0 negatives")) {
            try rocAUC(labels: [1, 1], scores: [0.1, 0.2])
        }
        #expect(throws: MetricError("AUC: label 1 is 2, expected 0 or 1")) { try rocAUC(labels: [1, 2], scores: [0, 0]) }
        #expect(throws: MetricError("AUC: 2 labels but 1 scores")) { try rocAUC(labels: [1, 0], scores: [0]) }
        #expect(throws: MetricError("AUC: score 0 is nan, expected a finite number")) {
            try rocAUC(labels: [1, 0], scores: [.nan, 0])
        }
        #expect(throws: MetricError("log loss: probability 0 is 1.5, outside [0, 1]")) {
            try logLoss(labels: [1], probabilities: [1.5])
        }
        #expect(throws: MetricError.self) { try userAUC(labels: [1, 1], scores: [0, 1], users: [1, 2]) }
        #expect(throws: MetricError.self) { try deLongTest(labels: [1, 0, 0], scoresA: [1, 0, 0], scoresB: [0, 1, 0]) }
    }

    @Test func deLongDegenerateCases() throws {
        let labels = [1, 1, 0, 0, 1, 0]
        let scores = [0.9, 0.4, 0.3, 0.5, 0.8, 0.1]
        let same = try deLongTest(labels: labels, scoresA: scores, scoresB: scores.map { $0 * 2 })
        #expect(same.z == 0 && same.pValue == 1 && same.difference == 0)
        // Symmetry: swapping the classifiers flips z and keeps p.
        let other = [0.2, 0.6, 0.4, 0.3, 0.7, 0.5]
        let ab = try deLongTest(labels: labels, scoresA: scores, scoresB: other)
        let ba = try deLongTest(labels: labels, scoresA: other, scoresB: scores)
        #expect(ab.z == -ba.z && ab.pValue == ba.pValue)
    }
}

@Suite struct PairedBootstrapTests {
    @Test func seededAndAgreesWithDeLong() throws {
        let c = try loadCases().first { $0.name == "rounded" }!
        var s1 = SeedBook(seed: 7).stream(.bootstrap), s2 = SeedBook(seed: 7).stream(.bootstrap)
        let r1 = try pairedBootstrapAUC(labels: c.labels, scoresA: c.scoresA, scoresB: c.scoresB, resamples: 1000, stream: &s1)
        let r2 = try pairedBootstrapAUC(labels: c.labels, scoresA: c.scoresA, scoresB: c.scoresB, resamples: 1000, stream: &s2)
        #expect(r1 == r2 && s1 == s2)
        let d = try deLongTest(labels: c.labels, scoresA: c.scoresA, scoresB: c.scoresB)
        #expect(r1.difference == d.difference)
        // Two estimates of one standard error (DeLong's is asymptotic, the bootstrap's has Monte
        // Carlo error of about 1/sqrt(2 * 1000) ~ 2 %): agreement within 15 %.
        #expect(abs(r1.standardError / d.standardError - 1) < 0.15, "bootstrap SE \(r1.standardError), DeLong \(d.standardError)")
        // DeLong p is 0.0101 here; the bootstrap p must be of the same order.
        #expect(r1.pValue > 0.001 && r1.pValue < 0.05, "bootstrap p \(r1.pValue)")
        #expect(r1.lower < d.difference && d.difference < r1.upper && r1.lower > 0)
    }

    @Test func identicalClassifiersGivePOne() throws {
        var s = SeedBook(seed: 1).stream(.bootstrap)
        let labels = [1, 0, 1, 0, 1, 0, 0, 1], scores = [0.9, 0.1, 0.4, 0.6, 0.8, 0.3, 0.2, 0.7]
        let r = try pairedBootstrapAUC(labels: labels, scoresA: scores, scoresB: scores, resamples: 200, stream: &s)
        #expect(r.pValue == 1 && r.difference == 0 && r.standardError == 0)
        #expect(r.redrawn >= 0 && r.resamples == 200)
    }

    @Test func clearDifferenceGivesSmallestP() throws {
        let c = try loadCases().first { $0.name == "separated" }!
        var s = SeedBook(seed: 3).stream(.bootstrap)
        let r = try pairedBootstrapAUC(labels: c.labels, scoresA: c.scoresA, scoresB: c.scoresB, resamples: 500, stream: &s)
        // AUC 1 against 0.63 on 60 samples: no resample comes near zero difference.
        #expect(r.pValue == 1.0 / 501)
    }
}
