import Evaluation

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
}
