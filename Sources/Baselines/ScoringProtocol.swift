import Autograd
import Foundation
import TensorCore

// The one scoring protocol of the baselines (TALLRec's few-shot baseline protocol, Bao et al.
// RecSys 2023, section 4: train on the same K samples, score = sigmoid of the model output for the
// target given the history, AUC on the same test set).
//
//   logit(history, target) = <u(history), v(target)>
//   sequence models (GRU4Rec, SASRec): u = the model's output at the most recent history
//     position, v = the target's item embedding (RecBole's full-sort score, restricted to one item);
//   graph models (LightGCN, GraphSAGE): u = mean of the final node vectors of the history items,
//     v = the final node vector of the target (InteractionGraph states the edges).
//   Loss: mean binary cross-entropy with logits over the like / not-like labels.
//   Empty history: the logit is 0 (probability 0.5), with no gradient.
//   Unknown items: every item that appears in no training sample (neither in a history nor as a
//     target) maps to index 0, one shared "unknown item" embedding that is trained like any other.
//
// Every model is written on the autograd tape (Autograd, NeuralLayers), like the ATFLRec network:
// its forward is the only code, its parameters are named Variables, and its gradients come from
// the ops' own backward passes (each checked by finite differences in Tests/AutogradTests). So a
// trained model's embeddings are tensors any other tape can read (issue 27, point 1).

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

/// A model that turns (history, target) into one logit on an autograd tape.
public protocol SequenceScorer {
    /// Short model name ("GRU4Rec", ...).
    var name: String { get }
    /// Every trainable parameter with its reference name (RecBole / PyG), in a fixed order: the
    /// order of the optimizer's state and of checkpoints.
    var namedParameters: [(String, Variable<Float>)] { get }
    /// Logits [B] of a batch, recorded on `tape` when it records.
    func logits(_ batch: [BaselineSample], on tape: Tape<Float>) -> Variable<Float>
}

extension SequenceScorer {
    /// Logits [B] for a batch, on a tape that records nothing.
    public func logits(_ batch: [BaselineSample]) -> [Float] {
        logits(batch, on: Tape(recording: false)).value.scalars
    }

    /// Mean BCE-with-logits loss of the batch and d loss / d parameter of every parameter (zeros
    /// where the batch does not reach one), in `namedParameters` order. Leaves no gradient behind.
    public func lossAndGradients(_ batch: [BaselineSample]) -> (logits: [Float], loss: Float, gradients: [ParameterValues]) {
        let parameters = namedParameters
        for (_, p) in parameters { p.zeroGrad() }
        let tape = Tape<Float>()
        let z = logits(batch, on: tape)
        let loss = tape.bceWithLogits(z, targets: Tensor(shape: [batch.count], scalars: batch.map(\.label)))
        tape.backward(loss)
        let gradients = parameters.map { name, p in
            ParameterValues(name: name, shape: p.shape, values: p.grad?.scalars ?? [Float](repeating: 0, count: p.value.count))
        }
        for (_, p) in parameters { p.zeroGrad() }
        return (z.value.scalars, loss.value.scalar, gradients)
    }

    /// A copy of every parameter's current values.
    public func parameterValues() -> [ParameterValues] {
        namedParameters.map { ParameterValues(name: $0.0, shape: $0.1.shape, values: $0.1.value.scalars) }
    }

    /// Sets every parameter from `stored`, matched by name: each must be there with its shape,
    /// and nothing else may be.
    public func load(_ stored: [ParameterValues]) throws {
        let parameters = namedParameters
        for (name, p) in parameters {
            guard let s = stored.first(where: { $0.name == name }), s.shape == p.shape else {
                throw BaselineTrainingError(description: "checkpoint: parameter '\(name)' \(p.shape) missing or of another shape")
            }
            p.value = Tensor(shape: s.shape, scalars: s.values)
        }
        guard stored.count == parameters.count else {
            throw BaselineTrainingError(description: "checkpoint: \(stored.count) parameters, the model has \(parameters.count)")
        }
    }
}

extension Tape where Scalar == Float {
    /// The protocol's logits <u_b, v_b> of u, v [B, C], with 0 (and no gradient) for the samples
    /// whose `hasHistory` is false, whatever their u.
    func protocolLogits(_ u: Variable<Float>, _ v: Variable<Float>, hasHistory: [Bool]) -> Variable<Float> {
        let dots = pool(mul(u, v), axis: 1, .sum)
        if hasHistory.allSatisfy({ $0 }) { return dots }
        return mul(dots, constant(Tensor(shape: [hasHistory.count], scalars: hasHistory.map { $0 ? 1 : 0 })))
    }
}

/// Variables of a model's parameters from values drawn at initialisation (the draws are the
/// model's own, in its reference's order).
func parameter(_ name: String, _ shape: [Int], _ values: [Float]) -> Variable<Float> {
    Variable(Tensor(shape: shape, scalars: values), requiresGrad: true, name: name)
}

/// Xavier/Glorot uniform bound sqrt(6 / (fanIn + fanOut)) (torch.nn.init.xavier_uniform_).
func xavierBound(fanIn: Int, fanOut: Int) -> Float {
    Float((6.0 / Double(fanIn + fanOut)).squareRoot())
}
