import Evaluation
import Foundation
import HDF5Storage
import Testing
import TestSupport

// Metrics against scikit-learn 1.9.1 and an independent O(m n) DeLong implementation
// (Tests/Fixtures/eval/metrics.h5, made by make_eval_fixture.py), on cases with many ties.

struct MetricsCase {
    let name: String
    let labels: [Int]
    let users: [Int]
    let scoresA: [Double]
    let scoresB: [Double]
    let probabilities: [Double]
    let reader: HDF5Reader

    func expected(_ key: String) throws -> Double { try reader.readScalar(Double.self, "\(name)/\(key)") }
}

func loadCases() throws -> [MetricsCase] {
    let url = Fixtures.url("eval/metrics.h5")
    let reader = try HDF5Reader(path: url.path)
    guard try reader.attribute("format_version") == .int(1) else {
        throw MetricError("\(url.path): unexpected format_version; regenerate with make_eval_fixture.py")
    }
    return try reader.children(of: "/").map { name in
        MetricsCase(name: name,
                    labels: try reader.read(Int64.self, "\(name)/labels").values.map { Int($0) },
                    users: try reader.read(Int64.self, "\(name)/users").values.map { Int($0) },
                    scoresA: try reader.read(Double.self, "\(name)/scores_a").values,
                    scoresB: try reader.read(Double.self, "\(name)/scores_b").values,
                    probabilities: try reader.read(Double.self, "\(name)/probs").values,
                    reader: reader)
    }
}

@Suite struct MetricsFixtureTests {
    @Test func casesArePresent() throws {
        #expect(try loadCases().map(\.name) == ["coarse", "hand", "rounded", "separated"])
    }

    @Test func aucEqualsScikitLearn() throws {
        for c in try loadCases() {
            // 1e-12: the trapezoid sum and the rank sum differ only by Double rounding.
            expectClose([try rocAUC(labels: c.labels, scores: c.scoresA)], [try c.expected("auc_a")], atol: 1e-12, "\(c.name) AUC a")
            expectClose([try rocAUC(labels: c.labels, scores: c.scoresB)], [try c.expected("auc_b")], atol: 1e-12, "\(c.name) AUC b")
        }
    }

    @Test func userAUCEqualsPerUserScikitLearnMean() throws {
        for c in try loadCases() {
            let u = try userAUC(labels: c.labels, scores: c.scoresA, users: c.users)
            expectClose([u.value], [try c.expected("uauc_a")], atol: 1e-12, "\(c.name) UAUC (summation order)")
            #expect(Int64(u.usersCounted) == (try c.reader.readScalar(Int64.self, "\(c.name)/uauc_users")))
            #expect(u.usersCounted + u.usersSkipped == Set(c.users).count)
        }
    }

    @Test func logLossEqualsScikitLearn() throws {
        for c in try loadCases() {
            // Relative 1e-12: numpy sums pairwise, Swift in order.
            expectClose([try logLoss(labels: c.labels, probabilities: c.probabilities)], [try c.expected("logloss")],
                        rtol: 1e-12, "\(c.name) log loss (summation order)")
        }
    }

    @Test func deLongEqualsDirectImplementation() throws {
        for c in try loadCases() {
            let r = try deLongTest(labels: c.labels, scoresA: c.scoresA, scoresB: c.scoresB)
            // 1e-9: two algorithms (midranks vs pairwise kernel) agree to Double rounding.
            expectClose([r.aucA, r.aucB], [try c.expected("auc_a"), try c.expected("auc_b")], atol: 1e-12, "\(c.name) DeLong AUCs")
            expectClose([r.varianceA, r.varianceB, r.covariance],
                        [try c.expected("delong_var_a"), try c.expected("delong_var_b"), try c.expected("delong_cov")],
                        atol: 1e-12, rtol: 1e-9, "\(c.name) DeLong covariance")
            expectClose([r.z], [try c.expected("delong_z")], rtol: 1e-9, "\(c.name) DeLong z")
            expectClose([r.pValue], [try c.expected("delong_p")], atol: 1e-15, rtol: 1e-9, "\(c.name) DeLong p")
        }
    }

    @Test func seedAveragedDeLongEqualsDirectImplementation() throws {
        let c = try loadCases().first { $0.name == "rounded" }!
        let a2 = try c.reader.read(Double.self, "rounded/scores_a2").values
        let b2 = try c.reader.read(Double.self, "rounded/scores_b2").values
        let r = try deLongTest(labels: c.labels, seedScoresA: [c.scoresA, a2], seedScoresB: [c.scoresB, b2])
        expectClose([r.aucA, r.aucB], [try c.expected("seeds_auc_a"), try c.expected("seeds_auc_b")], atol: 1e-12,
                    "seed-mean AUCs (rounding)")
        expectClose([r.varianceA, r.varianceB, r.covariance],
                    [try c.expected("seeds_var_a"), try c.expected("seeds_var_b"), try c.expected("seeds_cov")],
                    atol: 1e-12, rtol: 1e-9, "seed-averaged DeLong covariance")
        expectClose([r.z, r.pValue], [try c.expected("seeds_z"), try c.expected("seeds_p")], rtol: 1e-9, "seed-averaged z and p")
        // One seed each is the ordinary test, and repeating a seed changes nothing.
        let single = try deLongTest(labels: c.labels, scoresA: c.scoresA, scoresB: c.scoresB)
        let repeated = try deLongTest(labels: c.labels, seedScoresA: [c.scoresA, c.scoresA], seedScoresB: [c.scoresB])
        expectClose([repeated.z, repeated.pValue], [single.z, single.pValue], rtol: 1e-12, "repeated seed (rounding of / k)")
    }
}
