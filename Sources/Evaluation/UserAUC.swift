// UAUC: the AUC of each user's own samples, averaged over users (unweighted), as in the
// recommender literature that reports it beside AUC (e.g. CoLLM). A user whose samples carry only
// one label has no AUC; such users are left out of the mean (numerator and denominator) and
// counted in `usersSkipped`. Users are visited in increasing id order so the floating-point sum
// is the same on every run.

/// Mean per-user AUC and how many users it covers.
public struct UserAUC: Equatable, Sendable {
    /// Mean of the per-user AUCs over users having both labels.
    public var value: Double
    /// Users with both labels (the mean's denominator).
    public var usersCounted: Int
    /// Users with a single label, not part of the mean.
    public var usersSkipped: Int

    public init(value: Double, usersCounted: Int, usersSkipped: Int) {
        self.value = value
        self.usersCounted = usersCounted
        self.usersSkipped = usersSkipped
    }
}

/// UAUC of `scores` for 0/1 `labels` grouped by `users`. Throws when no user has both labels.
public func userAUC(labels: [Int], scores: [Double], users: [Int]) throws -> UserAUC {
    _ = try validate(labels: labels, scores: [scores], metric: "UAUC")
    guard users.count == labels.count else {
        throw MetricError("UAUC: \(labels.count) labels but \(users.count) user ids")
    }
    // Group sample indices by user; the grouping is read back in sorted-id order only.
    var byUser: [Int: [Int]] = [:]
    for (i, u) in users.enumerated() { byUser[u, default: []].append(i) }
    var sum = 0.0, counted = 0, skipped = 0
    for user in byUser.keys.sorted() {
        let indices = byUser[user]!
        let userLabels = indices.map { labels[$0] }
        let positives = userLabels.reduce(0, +)
        guard positives > 0 && positives < userLabels.count else {
            skipped += 1
            continue
        }
        let userScores = indices.map { scores[$0] }
        sum += aucFromMidranks(labels: userLabels, ranks: midranks(userScores), positives: positives)
        counted += 1
    }
    guard counted > 0 else { throw MetricError("UAUC: no user has both labels (\(skipped) users)") }
    return UserAUC(value: sum / Double(counted), usersCounted: counted, usersSkipped: skipped)
}
