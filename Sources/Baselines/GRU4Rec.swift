// GRU4Rec
// Paper: B. Hidasi, A. Karatzoglou, L. Baltrunas, D. Tikk, "Session-based Recommendations with
//   Recurrent Neural Networks", ICLR 2016; as improved by Y. K. Tan, X. Xu, Y. Liu, "Improved
//   Recurrent Neural Networks for Session-based Recommendations", DLRS 2016.
// Reference code: RecBole 1.2.1 recbole/model/sequential_recommender/gru4rec.py (the variant
//   implemented here): item embedding -> GRU (one layer, no biases) -> Linear(hidden -> embedding)
//   -> output at the last history position; score = <output, item embedding of the target>.
//   GRU cell as torch.nn.GRU: r = s(W_ir x + W_hr h), z = s(W_iz x + W_hz h),
//   n = tanh(W_in x + r * (W_hn h)), h' = (1 - z) n + z h, gates stacked in the order r, z, n.
// NOTE (deviation): trained with BCE on like / not-like labels of the K few-shot samples
//   (TALLRec's baseline protocol) instead of RecBole's cross-entropy over all items.
// NOTE (deviation): no dropout (RecBole applies dropout 0.3 to the embeddings); the few-shot
//   runs rely on validation-AUC early stopping instead.
// NOTE (deviation): item index 0 is the shared unknown-item embedding, not a padding index;
//   histories are processed at their true length: a batch runs its longest history's steps, and
//   a sample whose history has ended keeps its state exactly (h = m h' + (1 - m) h with m = 0;
//   m = 1 gives h' bit for bit), so each sample's last state is the one of its own length.
// Shapes: T history positions, E embedding size, Hd hidden size, I item indices.

import Autograd
import Foundation
import NeuralLayers
import SeededRandom
import TensorCore

public struct GRU4RecConfig: Sendable, Equatable, Codable {
    public var embeddingSize: Int = 64   // RecBole embedding_size
    public var hiddenSize: Int = 128     // RecBole hidden_size
    public init(embeddingSize: Int = 64, hiddenSize: Int = 128) {
        self.embeddingSize = embeddingSize
        self.hiddenSize = hiddenSize
    }
}

public struct GRU4Rec: SequenceScorer {
    public let name = "GRU4Rec"
    public let config: GRU4RecConfig
    public let itemCount: Int
    let itemEmbedding: Variable<Float>   // [I, E]
    let inputWeights: Variable<Float>    // [3Hd, E], gates r, z, n
    let hiddenWeights: Variable<Float>   // [3Hd, Hd]
    let dense: Linear<Float>             // Hd -> E

    /// RecBole's initialisation: Xavier-uniform embedding and GRU weights; the dense layer keeps
    /// torch.nn.Linear's default U(+-1/sqrt(Hd)) for weight and bias.
    public init(config: GRU4RecConfig, itemCount: Int, random: inout RandomStream) {
        self.config = config
        self.itemCount = itemCount
        let e = config.embeddingSize, h = config.hiddenSize
        func uniform(_ n: Int, _ bound: Float) -> [Float] {
            var v = [Float](repeating: 0, count: n)
            random.fillUniform(&v, low: -bound, high: bound)
            return v
        }
        itemEmbedding = parameter("item_embedding.weight", [itemCount, e], uniform(itemCount * e, xavierBound(fanIn: e, fanOut: itemCount)))
        inputWeights = parameter("gru_layers.weight_ih_l0", [3 * h, e], uniform(3 * h * e, xavierBound(fanIn: e, fanOut: 3 * h)))
        hiddenWeights = parameter("gru_layers.weight_hh_l0", [3 * h, h], uniform(3 * h * h, xavierBound(fanIn: h, fanOut: 3 * h)))
        let bound = 1 / Float(h).squareRoot()
        dense = Linear(weight: parameter("dense.weight", [e, h], uniform(e * h, bound)),
                       bias: parameter("dense.bias", [e], uniform(e, bound)))
    }

    public var namedParameters: [(String, Variable<Float>)] {
        [("item_embedding.weight", itemEmbedding), ("gru_layers.weight_ih_l0", inputWeights),
         ("gru_layers.weight_hh_l0", hiddenWeights)] + dense.namedParameters(prefix: "dense.")
    }

    /// The GRU over the batch's histories, step by step from the oldest item (torch.nn.GRU's
    /// equations in the header), then dense(last state) against the target's embedding.
    public func logits(_ batch: [BaselineSample], on tape: Tape<Float>) -> Variable<Float> {
        let b = batch.count, h = config.hiddenSize
        let steps = batch.map(\.history.count).max() ?? 0
        // Step-major ids [steps * B]: row p * B + s is sample s's p-th item (index 0 past its end).
        var ids = [Int](repeating: BaselineVocabulary.unknownItem, count: steps * b)
        for (s, sample) in batch.enumerated() { for (p, item) in sample.history.enumerated() { ids[p * b + s] = item } }
        let inputs = tape.matmul(tape.embedding(itemEmbedding, ids: ids), inputWeights, transposeWeight: true)  // [steps B, 3Hd]
        let ones = tape.constant(Tensor(repeating: 1, shape: [1, h]))
        var state = tape.constant(Tensor(zeros: [b, h]))
        for p in 0..<steps {
            let gi = tape.slice(inputs, axis: 0, (p * b)..<((p + 1) * b))
            let gh = tape.matmul(state, hiddenWeights, transposeWeight: true)                           // [B, 3Hd]
            func gate(_ x: Variable<Float>, _ k: Int) -> Variable<Float> { tape.slice(x, axis: 1, (k * h)..<((k + 1) * h)) }
            let r = tape.sigmoid(tape.add(gate(gi, 0), gate(gh, 0)))
            let z = tape.sigmoid(tape.add(gate(gi, 1), gate(gh, 1)))
            let n = tape.tanh(tape.add(gate(gi, 2), tape.mul(r, gate(gh, 2))))
            let next = tape.add(tape.mul(tape.sub(ones, z), n), tape.mul(z, state))
            if batch.allSatisfy({ $0.history.count > p }) {
                state = next
            } else {
                let running = batch.map { Float($0.history.count > p ? 1 : 0) }
                let m = tape.constant(Tensor(shape: [b, 1], scalars: running))
                let kept = tape.constant(Tensor(shape: [b, 1], scalars: running.map { 1 - $0 }))
                state = tape.add(tape.mul(next, m), tape.mul(state, kept))
            }
        }
        let u = dense(state, on: tape)
        let v = tape.embedding(itemEmbedding, ids: batch.map(\.target))
        return tape.protocolLogits(u, v, hasHistory: batch.map { !$0.history.isEmpty })
    }
}
