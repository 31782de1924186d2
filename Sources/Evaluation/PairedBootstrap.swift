import SeededRandom

// Paired bootstrap test of AUC(a) - AUC(b) on the same samples (Efron & Tibshirani, "An
// Introduction to the Bootstrap", 1993, ch. 16): each resample draws n sample indices with
// replacement (the same indices for both classifiers, which keeps their correlation) from the
// caller's RandomStream, so a seed fixes the result. Resamples that contain a single class have
// no AUC; they are redrawn (and counted in `redrawn`).
//
// p-value (two-sided), from the resampled differences d*_b centred on the observed d:
//   p = (1 + #{b : |d*_b - d| >= |d|}) / (B + 1)
// Interval: the 2.5 % and 97.5 % percentiles of d*_b (linear interpolation, numpy's default).

/// The outcome of a paired bootstrap of AUC(a) - AUC(b).
public struct PairedBootstrapResult: Equatable, Sendable {
    public var aucA: Double
    public var aucB: Double
    public var difference: Double { aucA - aucB }
    /// Two-sided p-value of "the AUCs are equal".
    public var pValue: Double
    /// Standard deviation of the resampled differences.
    public var standardError: Double
    /// 95 % percentile interval of the difference.
    public var lower: Double
    public var upper: Double
    /// Resamples used (B) and single-class resamples drawn again.
    public var resamples: Int
    public var redrawn: Int
}

/// Paired bootstrap test with `resamples` resamples drawn from `stream` (pass the experiment's
/// `.bootstrap` stream; it advances by about n draws per resample).
public func pairedBootstrapAUC(labels: [Int], scoresA: [Double], scoresB: [Double], resamples: Int = 2000,
                               stream: inout RandomStream) throws -> PairedBootstrapResult {
    let positives = try validate(labels: labels, scores: [scoresA, scoresB], metric: "bootstrap")
    guard positives > 0 && positives < labels.count else {
        throw MetricError("bootstrap: needs both labels, got \(positives) positives of \(labels.count)")
    }
    guard resamples >= 1 else { throw MetricError("bootstrap: needs at least one resample, got \(resamples)") }
    let n = labels.count
    let aucA = try rocAUC(labels: labels, scores: scoresA)
    let aucB = try rocAUC(labels: labels, scores: scoresB)
    let observed = aucA - aucB

    var differences: [Double] = []
    differences.reserveCapacity(resamples)
    var redrawn = 0
    var y = [Int](repeating: 0, count: n), a = [Double](repeating: 0, count: n), b = a
    while differences.count < resamples {
        var resampledPositives = 0
        for k in 0..<n {
            let i = stream.int(below: n)
            y[k] = labels[i]
            a[k] = scoresA[i]
            b[k] = scoresB[i]
            resampledPositives += y[k]
        }
        guard resampledPositives > 0 && resampledPositives < n else {
            redrawn += 1
            // Single-class resamples are common only for tiny or extremely unbalanced sets; give
            // up with an error rather than loop forever.
            if redrawn > 100 * resamples { throw MetricError("bootstrap: too many single-class resamples (\(redrawn))") }
            continue
        }
        let da = aucFromMidranks(labels: y, ranks: midranks(a), positives: resampledPositives)
        let db = aucFromMidranks(labels: y, ranks: midranks(b), positives: resampledPositives)
        differences.append(da - db)
    }

    let extreme = differences.filter { abs($0 - observed) >= abs(observed) }.count
    let mean = differences.reduce(0, +) / Double(resamples)
    let variance = resamples > 1
        ? differences.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(resamples - 1) : 0
    let sorted = differences.sorted()
    return PairedBootstrapResult(aucA: aucA, aucB: aucB, pValue: Double(1 + extreme) / Double(resamples + 1),
                                 standardError: variance.squareRoot(),
                                 lower: percentile(sorted, 0.025), upper: percentile(sorted, 0.975),
                                 resamples: resamples, redrawn: redrawn)
}

/// Percentile of sorted values with linear interpolation between order statistics (numpy's
/// default "linear" method).
func percentile(_ sorted: [Double], _ q: Double) -> Double {
    let h = Double(sorted.count - 1) * q
    let lo = Int(h.rounded(.down))
    let hi = min(lo + 1, sorted.count - 1)
    return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
}
