import Evaluation
import SeededRandom

/// The significance test of the paper's tables: DeLong's test for two correlated AUCs on the
/// same test samples (Sun & Xu 2014), with each cell's seeds folded in by averaging the
/// structural components over seeds (Evaluation.deLongTest(labels:seedScoresA:seedScoresB:)).
public enum TableSignificance {
    /// Two-sided p-value that cells `a` and `b` (predictions per seed) differ in mean AUC.
    /// Every prediction set must cover the same test samples in the same order.
    public static func deLong(_ a: [Predictions], _ b: [Predictions]) throws -> Double {
        guard let reference = a.first ?? b.first else { throw MetricError("significance: no predictions") }
        for p in a + b where p.sampleIDs != reference.sampleIDs || p.labels != reference.labels {
            throw MetricError("significance: prediction sets cover different test samples")
        }
        return try deLongTest(labels: reference.labels, seedScoresA: a.map(\.scores), seedScoresB: b.map(\.scores)).pValue
    }

    /// Two-sided p-value that cells `a` and `b` (sequential-protocol predictions per seed) differ
    /// in NDCG@`k`: each test user's NDCG@k averaged over a cell's seeds, then the paired
    /// sign-flip test over users (Evaluation.pairedPermutationTest, 10,000 resamples from a
    /// fixed stream, so a table renders the same bytes). Both cells must rank the same users'
    /// candidates, as every model of the protocol does.
    public static func pairedRanking(_ a: [Predictions], _ b: [Predictions], negatives: Int, k: Int) throws -> Double {
        guard let reference = a.first ?? b.first, !a.isEmpty, !b.isEmpty else { throw MetricError("significance: no predictions") }
        for p in a + b where p.sampleIDs != reference.sampleIDs || p.labels != reference.labels || p.users != reference.users {
            throw MetricError("significance: prediction sets rank different candidates")
        }
        func userNDCG(_ cell: [Predictions]) throws -> [Double] {
            let perSeed = try cell.map { try SequentialProtocol.ranking($0, negatives: negatives, k: k).userNDCG }
            return perSeed[0].indices.map { u in perSeed.map { $0[u] }.reduce(0, +) / Double(perSeed.count) }
        }
        var stream = SeedBook(seed: 0).stream(.bootstrap, "table-significance/ndcg")
        return try pairedPermutationTest(try userNDCG(a), try userNDCG(b), stream: &stream).pValue
    }
}
