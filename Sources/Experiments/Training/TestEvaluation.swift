import Evaluation

/// The test metrics of a run from its predictions: AUC (as scikit-learn), UAUC (mean per-user
/// AUC over users with both labels; NaN when no user has both), log loss.
public struct TestEvaluation: Sendable {
    public let auc: Double
    public let uauc: Double
    public let logLoss: Double

    public init(_ p: Predictions) throws {
        auc = try rocAUC(labels: p.labels, scores: p.scores)
        uauc = (try? userAUC(labels: p.labels, scores: p.scores, users: p.users).value) ?? .nan
        logLoss = try Evaluation.logLoss(labels: p.labels, probabilities: p.scores)
    }
}
