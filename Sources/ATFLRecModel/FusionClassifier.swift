import Autograd
import NeuralLayers
import SeededRandom
import TensorCore

// Fusion of the text and audio representations ("fusion pooling", paper section III-C: the two
// C-vectors are stacked and pooled by max, mean or sum) followed by the classifier Linear(C -> 1)
// whose logit is trained with BCE; the score is its sigmoid (section II-B).

public struct FusionClassifier {
    public let pooling: PoolingKind
    public let classifier: Linear<Float>

    public init(hiddenSize: Int, pooling: PoolingKind, random: inout RandomStream) {
        self.pooling = pooling
        classifier = Linear(inputSize: hiddenSize, outputSize: 1, random: &random)
    }

    public var namedParameters: [(String, Variable<Float>)] { classifier.namedParameters(prefix: "classifier.") }

    /// Pools the given representations (each [B, C]) element-wise; one input passes through.
    public func fuse(_ parts: [Variable<Float>], on tape: Tape<Float>) -> Variable<Float> {
        precondition(!parts.isEmpty, "fusion needs at least one representation")
        if parts.count == 1 { return parts[0] }
        let b = parts[0].shape[0], c = parts[0].shape[1]
        let stacked = tape.concatenate(parts.map { tape.reshape($0, [b, 1, c]) }, axis: 1)  // [B, P, C]
        return tape.pool(stacked, axis: 1, pooling)                                          // [B, C]
    }

    /// Logits [B] of fused representations [B, C].
    public func logits(_ fused: Variable<Float>, on tape: Tape<Float>) -> Variable<Float> {
        tape.reshape(classifier(fused, on: tape), [-1])
    }
}
