// SASRec
// Paper: W.-C. Kang, J. McAuley, "Self-Attentive Sequential Recommendation", ICDM 2018.
// Reference code: RecBole 1.2.1 recbole/model/sequential_recommender/sasrec.py with
//   recbole/model/layers.py (TransformerEncoder, MultiHeadAttention, FeedForward):
//   x = LayerNorm(item embedding + learned position embedding); n post-LN blocks of
//   x = LayerNorm(dense(causal multi-head attention(x)) + x), x = LayerNorm(FFN(x) + x) with
//   FFN = dense_2(GELU_erf(dense_1(x))); output at the last history position;
//   score = <output, item embedding of the target>. Positions count from the oldest item (0).
// NOTE (deviation): trained with BCE on like / not-like labels of the K few-shot samples
//   (TALLRec's baseline protocol) instead of RecBole's cross-entropy over all items.
// NOTE (deviation): no dropout (RecBole: 0.5 on hidden states and attention weights); the
//   few-shot runs rely on validation-AUC early stopping instead.
// NOTE (deviation): future positions are excluded from the softmax exactly (an additive -inf
//   mask) instead of RecBole's additive -10000 mask (identical in float32: exp(-10000) underflows
//   to 0). A batch is padded after each history's most recent item to its longest history; with
//   the causal mask no valid position sees a padded one, and each sample's output is read at its
//   own last position, so every sample is scored at its true length. Histories longer than maxSequenceLength keep
//   their most recent items. Item index 0 is the shared unknown item, not a padding index.
// Shapes: T positions, C hidden, H heads, D = C / H per head, F inner (feed-forward) size.

import Autograd
import Foundation
import NeuralLayers
import SeededRandom
import TensorCore

public struct SASRecConfig: Sendable, Equatable, Codable {
    public var hiddenSize: Int = 64        // RecBole hidden_size
    public var heads: Int = 2              // n_heads
    public var layers: Int = 2             // n_layers
    public var innerSize: Int = 256        // inner_size
    public var maxSequenceLength: Int = 50 // MAX_ITEM_LIST_LENGTH
    public var layerNormEps: Float = 1e-12 // layer_norm_eps
    public var initializerRange: Float = 0.02
    public init(hiddenSize: Int = 64, heads: Int = 2, layers: Int = 2, innerSize: Int = 256,
                maxSequenceLength: Int = 50, layerNormEps: Float = 1e-12, initializerRange: Float = 0.02) {
        self.hiddenSize = hiddenSize; self.heads = heads; self.layers = layers
        self.innerSize = innerSize; self.maxSequenceLength = maxSequenceLength
        self.layerNormEps = layerNormEps; self.initializerRange = initializerRange
    }
}

public struct SASRec: SequenceScorer {
    public let name = "SASRec"
    public let config: SASRecConfig
    public let itemCount: Int
    let itemEmbedding: Variable<Float>      // [I, C]
    let positionEmbedding: Variable<Float>  // [maxSequenceLength, C]
    let inputNorm: LayerNorm<Float>
    let blocks: [Block]

    /// One post-LN transformer block (RecBole's TransformerLayer).
    struct Block {
        var query, key, value, output: Linear<Float>
        var attentionNorm: LayerNorm<Float>
        var inner, outer: Linear<Float>     // FFN dense_1 (C -> F), dense_2 (F -> C)
        var feedForwardNorm: LayerNorm<Float>

        func namedParameters(_ l: Int) -> [(String, Variable<Float>)] {
            let a = "trm_encoder.layer.\(l).multi_head_attention.", f = "trm_encoder.layer.\(l).feed_forward."
            return query.namedParameters(prefix: a + "query.") + key.namedParameters(prefix: a + "key.")
                + value.namedParameters(prefix: a + "value.") + output.namedParameters(prefix: a + "dense.")
                + attentionNorm.namedParameters(prefix: a + "LayerNorm.")
                + inner.namedParameters(prefix: f + "dense_1.") + outer.namedParameters(prefix: f + "dense_2.")
                + feedForwardNorm.namedParameters(prefix: f + "LayerNorm.")
        }
    }

    /// RecBole's initialisation: every Linear and Embedding weight N(0, initializerRange),
    /// biases 0, LayerNorm weight 1 and bias 0 (drawn in the order of `namedParameters`).
    public init(config: SASRecConfig, itemCount: Int, random: inout RandomStream) {
        precondition(config.hiddenSize % config.heads == 0, "hidden size must be a multiple of heads")
        self.config = config
        self.itemCount = itemCount
        let c = config.hiddenSize, f = config.innerSize, eps = config.layerNormEps
        func normal(_ name: String, _ shape: [Int]) -> Variable<Float> {
            var v = [Float](repeating: 0, count: shape.reduce(1, *))
            random.fillNormal(&v, mean: 0, std: config.initializerRange)
            return parameter(name, shape, v)
        }
        func linear(_ inputs: Int, _ outputs: Int) -> Linear<Float> {
            Linear(weight: normal("weight", [outputs, inputs]), bias: parameter("bias", [outputs], [Float](repeating: 0, count: outputs)))
        }
        itemEmbedding = normal("item_embedding.weight", [itemCount, c])
        positionEmbedding = normal("position_embedding.weight", [config.maxSequenceLength, c])
        inputNorm = LayerNorm(size: c, eps: eps)
        var blocks: [Block] = []
        for _ in 0..<config.layers {
            let q = linear(c, c), k = linear(c, c), v = linear(c, c), o = linear(c, c)
            let attentionNorm = LayerNorm<Float>(size: c, eps: eps)
            let inner = linear(c, f), outer = linear(f, c)
            blocks.append(Block(query: q, key: k, value: v, output: o, attentionNorm: attentionNorm,
                                inner: inner, outer: outer, feedForwardNorm: LayerNorm(size: c, eps: eps)))
        }
        self.blocks = blocks
    }

    public var namedParameters: [(String, Variable<Float>)] {
        [("item_embedding.weight", itemEmbedding), ("position_embedding.weight", positionEmbedding)]
            + inputNorm.namedParameters(prefix: "LayerNorm.")
            + blocks.enumerated().flatMap { $1.namedParameters($0) }
    }

    private func clipped(_ history: [Int]) -> [Int] {
        history.count > config.maxSequenceLength ? Array(history.suffix(config.maxSequenceLength)) : history
    }

    public func logits(_ batch: [BaselineSample], on tape: Tape<Float>) -> Variable<Float> {
        let histories = batch.map { clipped($0.history) }
        let b = batch.count, c = config.hiddenSize, heads = config.heads, d = c / heads
        // Padded to the longest history (at least one position, for a batch of empty histories).
        let t = max(histories.map(\.count).max() ?? 0, 1)
        var ids = [Int](repeating: BaselineVocabulary.unknownItem, count: b * t)
        for (s, history) in histories.enumerated() { for (p, item) in history.enumerated() { ids[s * t + p] = item } }
        let items = tape.reshape(tape.embedding(itemEmbedding, ids: ids), [b, t, c])
        let positions = tape.slice(positionEmbedding, axis: 0, 0..<t)                      // [T, C], broadcast over B
        var x = inputNorm(tape.add(items, positions), on: tape)                             // [B, T, C]
        // Causal mask: position i attends to 0...i.
        var mask = Tensor<Float>(zeros: [t, t])
        for i in 0..<t { for j in (i + 1)..<max(t, i + 1) { mask.scalars[i * t + j] = -.infinity } }
        let scale = 1 / Float(d).squareRoot()
        func split(_ y: Variable<Float>) -> Variable<Float> {                              // [B, T, C] -> [B H, T, D]
            tape.reshape(tape.permute(tape.reshape(y, [b, t, heads, d]), [0, 2, 1, 3]), [b * heads, t, d])
        }
        for block in blocks {
            let q = split(block.query(x, on: tape)), k = split(block.key(x, on: tape)), v = split(block.value(x, on: tape))
            let scores = tape.scale(tape.batchedMatmul(q, k, transposeB: true), scale)     // [B H, T, T]
            let probabilities = tape.softmax(scores, additiveMask: mask)
            let context = tape.reshape(tape.permute(tape.reshape(tape.batchedMatmul(probabilities, v), [b, heads, t, d]),
                                                    [0, 2, 1, 3]), [b, t, c])
            let attended = block.attentionNorm(tape.add(block.output(context, on: tape), x), on: tape)
            let inner = tape.gelu(block.inner(attended, on: tape))
            x = block.feedForwardNorm(tape.add(block.outer(inner, on: tape), attended), on: tape)
        }
        let last = histories.enumerated().map { s, history in s * t + max(history.count, 1) - 1 }
        let u = tape.embedding(tape.reshape(x, [b * t, c]), ids: last)                     // [B, C]
        let v = tape.embedding(itemEmbedding, ids: batch.map(\.target))
        return tape.protocolLogits(u, v, hasHistory: histories.map { !$0.isEmpty })
    }
}
