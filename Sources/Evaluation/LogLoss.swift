import Foundation

// Binary log loss as scikit-learn's log_loss computes it (sklearn 1.9,
// sklearn/metrics/_classification.py): the predictions become the two columns [1 - p, p], each
// is clipped to [eps, 1 - eps] with eps = Double.ulpOfOne = 2.220446049250313e-16 (numpy's
// finfo(float64).eps), and the loss is the mean over samples of -log(clipped column of the true
// label). An exact 0 or 1 on the wrong side therefore costs -log(eps), about 36.04, not infinity.

/// Mean binary cross-entropy of probabilities `probabilities` (in [0, 1]) for 0/1 `labels`.
public func logLoss(labels: [Int], probabilities: [Double]) throws -> Double {
    _ = try validate(labels: labels, scores: [probabilities], metric: "log loss")
    guard !labels.isEmpty else { throw MetricError("log loss: no samples") }
    if let bad = probabilities.firstIndex(where: { $0 < 0 || $0 > 1 }) {
        throw MetricError("log loss: probability \(bad) is \(probabilities[bad]), outside [0, 1]")
    }
    let eps = Double.ulpOfOne
    var sum = 0.0
    for (y, p) in zip(labels, probabilities) {
        let column = y == 1 ? p : 1 - p
        sum -= log(min(max(column, eps), 1 - eps))
    }
    return sum / Double(labels.count)
}
