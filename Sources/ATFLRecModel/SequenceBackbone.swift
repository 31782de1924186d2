import Autograd
import TensorCore

/// The frozen pretrained encoder with its LoRA adapters, as ATFLRec uses it. The BERT/RoBERTa
/// encoder of TextModels adopts it; tests use small stand-ins.
///
/// Each sample's sequence is its token ids followed by `appended` vectors (already in the
/// model's hidden size): text only (layouts (a) text branch and (c)), audio only (layout (a)
/// audio branch: no tokens), or both (layout (b)). The backbone adds its position embeddings
/// to the whole sequence and pads to the longest sample.
public protocol SequenceBackbone {
    var hiddenSize: Int { get }
    /// Trainable parameters (the LoRA adapters) with PEFT's names, in a fixed order.
    var trainableParameters: [(String, Variable<Float>)] { get }
    /// Hidden states [B, T, C] and each sample's length, with `adapter` active (nil: none).
    /// `firstPositions`: the caller reads only the first that many positions of each sample
    /// (a first-token representation), so the backbone may return [B, T', C] with
    /// firstPositions <= T' <= T, those rows being the full pass's (nil: every position).
    func encode(tokens: [[Int]], appended: [Variable<Float>]?, adapter: String?, firstPositions: Int?,
                on tape: Tape<Float>) -> (hidden: Variable<Float>, lengths: [Int])
    /// States of the random streams the backbone draws from while training (LoRA dropout), by
    /// purpose, so that a resumed run continues the same streams.
    var randomStates: [(String, UInt64)] { get }
    /// Restores the streams from `randomStates`; a missing stream is an error.
    func restoreRandomStates(_ states: [(String, UInt64)]) throws
}

extension SequenceBackbone {
    /// Every position.
    public func encode(tokens: [[Int]], appended: [Variable<Float>]?, adapter: String?,
                       on tape: Tape<Float>) -> (hidden: Variable<Float>, lengths: [Int]) {
        encode(tokens: tokens, appended: appended, adapter: adapter, firstPositions: nil, on: tape)
    }

    /// Backbones without randomness (test stand-ins) store no stream.
    public var randomStates: [(String, UInt64)] { [] }
    public func restoreRandomStates(_ states: [(String, UInt64)]) throws {}
}

/// Which output vector stands for a sequence (configuration text.representation).
public enum Representation: String, Sendable {
    /// The first position ([CLS] / <s>), as sequence-classification heads use.
    case firstToken = "first-token"
    /// The mean over the sample's valid positions.
    case maskedMean = "masked-mean"
}

extension Representation {
    /// [B, T, C] -> [B, C].
    public func pool(_ hidden: Variable<Float>, lengths: [Int], on tape: Tape<Float>) -> Variable<Float> {
        switch self {
        case .firstToken:
            let first = tape.slice(hidden, axis: 1, 0..<1)
            return tape.reshape(first, [hidden.shape[0], hidden.shape[2]])
        case .maskedMean:
            return tape.maskedMean(hidden, lengths: lengths)
        }
    }
}
