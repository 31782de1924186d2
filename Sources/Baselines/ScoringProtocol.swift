import Foundation

// The one scoring protocol of the four baselines (TALLRec's few-shot baseline protocol, Bao et al.
// RecSys 2023, section 4: train on the same K samples, score = sigmoid of the model output for the
// target given the history, AUC on the same test set).
//
//   logit(history, target) = <u(history), v(target)>
//   sequence models (GRU4Rec, SASRec): u = the model's output at the most recent history
//     position, v = the target's item embedding (RecBole's full-sort score, restricted to one item);
//   graph models (LightGCN, GraphSAGE): u = mean of the final node vectors of the history items,
//     v = the final node vector of the target (InteractionGraph states the edges).
//   Loss: mean binary cross-entropy with logits over the like / not-like labels.
//   Empty history: u = 0, so the logit is 0 (probability 0.5).
//   Unknown items: every item that appears in no training sample (neither in a history nor as a
//     target) maps to index 0, one shared "unknown item" embedding that is trained like any other.

/// One (user, history, target, label) sample with items already mapped to vocabulary indices.
public struct BaselineSample: Sendable, Equatable {
    /// Index of the user among the training users, nil for a user with no training sample.
    public var user: Int?
    /// Item indices, oldest first, most recent last.
    public var history: [Int]
    public var target: Int
    /// 1 = like, 0 = not like.
    public var label: Float

    public init(user: Int?, history: [Int], target: Int, label: Float) {
        self.user = user
        self.history = history
        self.target = target
        self.label = label
    }
}

/// A model that turns (history, target) into one logit and gives the gradient of any loss of the
/// logits with respect to its parameters.
public protocol SequenceScorer: Sendable {
    /// Short model name ("GRU4Rec", ...).
    var name: String { get }
    var parameters: ParameterSet { get set }
    /// Logits (B) for a batch, without keeping anything for a backward pass.
    func logits(_ batch: [BaselineSample]) -> [Float]
    /// Logits (B) and the parameter gradients of a loss whose derivative with respect to the
    /// logits is `lossGradient(logits)` (B).
    func logitsAndGradients(_ batch: [BaselineSample], lossGradient: ([Float]) -> [Float])
        -> (logits: [Float], gradients: ParameterSet)
}

extension SequenceScorer {
    /// Mean BCE-with-logits loss of the batch and its parameter gradients.
    public func lossAndGradients(_ batch: [BaselineSample]) -> (logits: [Float], loss: Float, gradients: ParameterSet) {
        let labels = batch.map(\.label)
        let scale = 1 / Float(max(batch.count, 1))
        let (logits, gradients) = logitsAndGradients(batch) { z in
            // d/dz mean BCE = (sigmoid(z) - y) / B.
            zip(z, labels).map { (sigmoid($0) - $1) * scale }
        }
        return (logits, binaryCrossEntropy(logits: logits, labels: labels), gradients)
    }
}

/// Mean of max(z, 0) - z y + log(1 + exp(-|z|)) (the stable form torch uses), summed in Double.
public func binaryCrossEntropy(logits: [Float], labels: [Float]) -> Float {
    guard !logits.isEmpty else { return 0 }
    var total = 0.0
    for (z, y) in zip(logits, labels) {
        let zd = Double(z), yd = Double(y)
        total += max(zd, 0) - zd * yd + Foundation.log1p(Foundation.exp(-abs(zd)))
    }
    return Float(total / Double(logits.count))
}
