// Evaluation metrics of the paper and their statistics: AUC (scikit-learn's roc_auc_score),
// UAUC, log loss (scikit-learn's log_loss), DeLong's test for two correlated AUCs and a paired
// bootstrap. Labels are 0/1 integers; scores and probabilities are Double.

/// Input a metric cannot be computed on, one line.
public struct MetricError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Checks labels are 0/1, scores finite and counts equal; returns the number of positives.
func validate(labels: [Int], scores: [[Double]], metric: String) throws -> Int {
    for s in scores where s.count != labels.count {
        throw MetricError("\(metric): \(labels.count) labels but \(s.count) scores")
    }
    var positives = 0
    for (i, y) in labels.enumerated() {
        guard y == 0 || y == 1 else { throw MetricError("\(metric): label \(i) is \(y), expected 0 or 1") }
        positives += y
    }
    for s in scores {
        if let bad = s.firstIndex(where: { !$0.isFinite }) {
            throw MetricError("\(metric): score \(bad) is \(s[bad]), expected a finite number")
        }
    }
    return positives
}

/// 1-based ranks of `values`, ties given the mean of the ranks they span (midranks).
func midranks(_ values: [Double]) -> [Double] {
    let order = values.indices.sorted { values[$0] < values[$1] }
    var ranks = [Double](repeating: 0, count: values.count)
    var start = 0
    while start < order.count {
        var end = start + 1
        while end < order.count && values[order[end]] == values[order[start]] { end += 1 }
        // Positions start ..< end (0-based) share the rank mean of start+1 ... end.
        let rank = Double(start + 1 + end) / 2
        for k in start..<end { ranks[order[k]] = rank }
        start = end
    }
    return ranks
}
