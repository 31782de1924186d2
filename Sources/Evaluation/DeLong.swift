import Foundation

// DeLong's test for two correlated ROC AUCs measured on the same samples (DeLong, DeLong &
// Clarke-Pearson, "Comparing the areas under two or more correlated receiver operating
// characteristic curves: a nonparametric approach", Biometrics 1988), computed with the fast
// midrank algorithm of Sun & Xu ("Fast implementation of DeLong's algorithm for comparing the
// areas under correlated receiver operating characteristic curves", IEEE SPL 2014):
//
// For classifier r with the M positives' scores X and the N negatives' scores Y, let T_X, T_Y be
// midranks within X and within Y, and T_Z midranks over X and Y together. Then
//   AUC_r = (sum_i T_Z(X_i) - M (M + 1) / 2) / (M N)
//   V10_r(i) = (T_Z(X_i) - T_X(X_i)) / N        (structural component of positive i)
//   V01_r(j) = 1 - (T_Z(Y_j) - T_Y(Y_j)) / M    (structural component of negative j)
//   S = S10 / M + S01 / N,   S10, S01 = sample covariances (denominator M - 1, N - 1) of V10, V01
// and for the difference of two classifiers a and b:
//   z = (AUC_a - AUC_b) / sqrt(S_aa + S_bb - 2 S_ab),   p = erfc(|z| / sqrt 2)   (two-sided)

/// The outcome of DeLong's test of AUC(a) against AUC(b).
public struct DeLongResult: Equatable, Sendable {
    public var aucA: Double
    public var aucB: Double
    /// DeLong variance of each AUC and their covariance.
    public var varianceA: Double
    public var varianceB: Double
    public var covariance: Double
    /// AUC(a) - AUC(b).
    public var difference: Double { aucA - aucB }
    /// Standard error of the difference.
    public var standardError: Double
    /// difference / standardError. Zero when both are zero (identical rankings).
    public var z: Double
    /// Two-sided p-value of "the AUCs are equal". When the difference has zero variance, 1 if the
    /// AUCs are equal and 0 otherwise.
    public var pValue: Double
}

/// DeLong's test for the AUCs of `scoresA` and `scoresB` on the same samples with 0/1 `labels`.
/// Needs at least two positives and two negatives (for the sample covariances).
public func deLongTest(labels: [Int], scoresA: [Double], scoresB: [Double]) throws -> DeLongResult {
    try deLongTest(labels: labels, seedScoresA: [scoresA], seedScoresB: [scoresB])
}

/// DeLong's test of the seed-mean AUCs of two models, each trained with several seeds and scored
/// on the same samples (`seedScoresA[s]` are seed s's scores). AUC is linear in the structural
/// components, so the mean AUC over seeds is the AUC of the seed-averaged components, and
/// DeLong's covariance of those averaged components is the sampling variance of the seed-mean
/// AUCs (conditional on the trained models). With one seed each this is the ordinary test.
/// The seed counts of a and b may differ.
public func deLongTest(labels: [Int], seedScoresA: [[Double]], seedScoresB: [[Double]]) throws -> DeLongResult {
    guard !seedScoresA.isEmpty && !seedScoresB.isEmpty else { throw MetricError("DeLong: no scores") }
    let positives = try validate(labels: labels, scores: seedScoresA + seedScoresB, metric: "DeLong")
    let negatives = labels.count - positives
    guard positives >= 2 && negatives >= 2 else {
        throw MetricError("DeLong: needs at least 2 positives and 2 negatives, got \(positives) and \(negatives)")
    }
    let positiveIndex = labels.indices.filter { labels[$0] == 1 }
    let negativeIndex = labels.indices.filter { labels[$0] == 0 }
    let m = Double(positives), n = Double(negatives)

    // Structural components of one model, averaged over its seeds (in seed order): V10 (per
    // positive), V01 (per negative), and the mean AUC.
    func components(_ seeds: [[Double]]) -> (v10: [Double], v01: [Double], auc: Double) {
        var v10 = [Double](repeating: 0, count: positives)
        var v01 = [Double](repeating: 0, count: negatives)
        var aucSum = 0.0
        let k = Double(seeds.count)
        for scores in seeds {
            let x = positiveIndex.map { scores[$0] }
            let y = negativeIndex.map { scores[$0] }
            let tx = midranks(x), ty = midranks(y), tz = midranks(x + y)
            var rankSum = 0.0
            for i in x.indices {
                rankSum += tz[i]
                v10[i] += (tz[i] - tx[i]) / n / k
            }
            for j in y.indices { v01[j] += (1 - (tz[x.count + j] - ty[j]) / m) / k }
            aucSum += (rankSum - m * (m + 1) / 2) / (m * n)
        }
        return (v10, v01, aucSum / k)
    }

    let a = components(seedScoresA), b = components(seedScoresB)
    let s10 = covariance(a.v10, b.v10), s01 = covariance(a.v01, b.v01)
    let varianceA = s10.aa / m + s01.aa / n
    let varianceB = s10.bb / m + s01.bb / n
    let cov = s10.ab / m + s01.ab / n
    let difference = a.auc - b.auc
    let variance = varianceA + varianceB - 2 * cov
    let z: Double, p: Double, se: Double
    if variance > 0 {
        se = variance.squareRoot()
        z = difference / se
        p = erfc(abs(z) / 2.0.squareRoot())
    } else {
        se = 0
        z = difference == 0 ? 0 : (difference > 0 ? .infinity : -.infinity)
        p = difference == 0 ? 1 : 0
    }
    return DeLongResult(aucA: a.auc, aucB: b.auc, varianceA: varianceA, varianceB: varianceB, covariance: cov,
                        standardError: se, z: z, pValue: p)
}

/// Sample variances and covariance of two equally long series (denominator count - 1).
private func covariance(_ a: [Double], _ b: [Double]) -> (aa: Double, bb: Double, ab: Double) {
    let k = Double(a.count)
    let meanA = a.reduce(0, +) / k, meanB = b.reduce(0, +) / k
    var aa = 0.0, bb = 0.0, ab = 0.0
    for i in a.indices {
        let da = a[i] - meanA, db = b[i] - meanB
        aa += da * da
        bb += db * db
        ab += da * db
    }
    return (aa / (k - 1), bb / (k - 1), ab / (k - 1))
}
