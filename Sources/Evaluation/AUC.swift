// Area under the ROC curve, equal to scikit-learn's roc_auc_score for binary labels
// (sklearn/metrics/_ranking.py: ROC curve over distinct thresholds, trapezoid rule). The trapezoid
// over tied scores counts each tied positive-negative pair one half, so the area equals the
// Mann-Whitney statistic with midranks (Hanley & McNeil 1982):
//
//   AUC = (sum of the midranks of the positives - P (P + 1) / 2) / (P N)
//
// for P positives and N negatives, ranks taken over all samples together.

/// ROC AUC of `scores` for 0/1 `labels` (higher score = more likely positive). Throws when a class
/// is missing (the AUC is undefined; scikit-learn raises too), a label is not 0/1, a score is not
/// finite, or the counts differ.
public func rocAUC(labels: [Int], scores: [Double]) throws -> Double {
    let positives = try validate(labels: labels, scores: [scores], metric: "AUC")
    let negatives = labels.count - positives
    guard positives > 0 && negatives > 0 else {
        throw MetricError("AUC: needs both labels, got \(positives) positives and \(negatives) negatives")
    }
    return aucFromMidranks(labels: labels, ranks: midranks(scores), positives: positives)
}

/// The Mann-Whitney form, for callers that validated their input.
func aucFromMidranks(labels: [Int], ranks: [Double], positives: Int) -> Double {
    var rankSum = 0.0
    for i in labels.indices where labels[i] == 1 { rankSum += ranks[i] }
    let p = Double(positives), n = Double(labels.count - positives)
    return (rankSum - p * (p + 1) / 2) / (p * n)
}
