import Evaluation

/// The test metrics of a run from its predictions: AUC (as scikit-learn), UAUC (mean per-user
/// AUC over users with both labels; NaN when no user has both), log loss.
public struct TestEvaluation: Sendable {
    public let auc: Double
    public let uauc: Double
    /// Users UAUC averages over: those with both labels (0 when UAUC is NaN).
    public let uaucUsers: Int
    public let logLoss: Double

    public init(_ p: Predictions) throws {
        auc = try rocAUC(labels: p.labels, scores: p.scores)
        let perUser = try? userAUC(labels: p.labels, scores: p.scores, users: p.users)
        uauc = perUser?.value ?? .nan
        uaucUsers = perUser?.usersCounted ?? 0
        logLoss = try Evaluation.logLoss(labels: p.labels, probabilities: p.scores)
    }
}
