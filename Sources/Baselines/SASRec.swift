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
// NOTE (deviation): future positions are excluded from the softmax exactly instead of RecBole's
//   additive -10000 mask (identical in float32: exp(-10000) underflows to 0); histories are
//   processed at their true length (no padding). Histories longer than maxSequenceLength keep
//   their most recent items. Item index 0 is the shared unknown item, not a padding index.
// Shapes: T positions, C hidden, H heads, D = C / H per head, F inner (feed-forward) size.

import Foundation
import SeededRandom

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
    public var parameters = ParameterSet()
    private let pItem, pPosition, pNormW, pNormB: Int
    private var blocks: [Block] = []

    /// Parameter positions of one transformer block.
    private struct Block {
        var q, qb, k, kb, v, vb, o, ob, n1w, n1b, f1, f1b, f2, f2b, n2w, n2b: Int
    }

    /// RecBole's initialisation: every Linear and Embedding weight N(0, initializerRange),
    /// biases 0, LayerNorm weight 1 and bias 0.
    public init(config: SASRecConfig, itemCount: Int, random: inout RandomStream) {
        precondition(config.hiddenSize % config.heads == 0, "hidden size must be a multiple of heads")
        self.config = config
        self.itemCount = itemCount
        let c = config.hiddenSize, f = config.innerSize
        var ps = ParameterSet()
        func normal(_ n: Int) -> [Float] {
            var v = [Float](repeating: 0, count: n)
            random.fillNormal(&v, mean: 0, std: config.initializerRange)
            return v
        }
        func zeros(_ n: Int) -> [Float] { [Float](repeating: 0, count: n) }
        func ones(_ n: Int) -> [Float] { [Float](repeating: 1, count: n) }
        pItem = ps.append("item_embedding.weight", shape: [itemCount, c], values: normal(itemCount * c))
        pPosition = ps.append("position_embedding.weight", shape: [config.maxSequenceLength, c],
                              values: normal(config.maxSequenceLength * c))
        pNormW = ps.append("LayerNorm.weight", shape: [c], values: ones(c))
        pNormB = ps.append("LayerNorm.bias", shape: [c], values: zeros(c))
        var blocks: [Block] = []
        for l in 0..<config.layers {
            let a = "trm_encoder.layer.\(l).multi_head_attention."
            let ff = "trm_encoder.layer.\(l).feed_forward."
            blocks.append(Block(
                q: ps.append(a + "query.weight", shape: [c, c], values: normal(c * c)),
                qb: ps.append(a + "query.bias", shape: [c], values: zeros(c)),
                k: ps.append(a + "key.weight", shape: [c, c], values: normal(c * c)),
                kb: ps.append(a + "key.bias", shape: [c], values: zeros(c)),
                v: ps.append(a + "value.weight", shape: [c, c], values: normal(c * c)),
                vb: ps.append(a + "value.bias", shape: [c], values: zeros(c)),
                o: ps.append(a + "dense.weight", shape: [c, c], values: normal(c * c)),
                ob: ps.append(a + "dense.bias", shape: [c], values: zeros(c)),
                n1w: ps.append(a + "LayerNorm.weight", shape: [c], values: ones(c)),
                n1b: ps.append(a + "LayerNorm.bias", shape: [c], values: zeros(c)),
                f1: ps.append(ff + "dense_1.weight", shape: [f, c], values: normal(f * c)),
                f1b: ps.append(ff + "dense_1.bias", shape: [f], values: zeros(f)),
                f2: ps.append(ff + "dense_2.weight", shape: [c, f], values: normal(c * f)),
                f2b: ps.append(ff + "dense_2.bias", shape: [c], values: zeros(c)),
                n2w: ps.append(ff + "LayerNorm.weight", shape: [c], values: ones(c)),
                n2b: ps.append(ff + "LayerNorm.bias", shape: [c], values: zeros(c))))
        }
        self.blocks = blocks
        parameters = ps
    }

    public func logits(_ batch: [BaselineSample]) -> [Float] {
        batch.map { sample in
            let history = clipped(sample.history)
            guard !history.isEmpty else { return 0 }
            return dot(forward(history).output, row(pItem, sample.target))
        }
    }

    public func logitsAndGradients(_ batch: [BaselineSample], lossGradient: ([Float]) -> [Float])
        -> (logits: [Float], gradients: ParameterSet)
    {
        var caches: [Cache?] = []
        var logits: [Float] = []
        for sample in batch {
            let history = clipped(sample.history)
            if history.isEmpty { caches.append(nil); logits.append(0); continue }
            let cache = forward(history)
            caches.append(cache)
            logits.append(dot(cache.output, row(pItem, sample.target)))
        }
        let dLogits = lossGradient(logits)
        var grads = parameters.zeros()
        let c = config.hiddenSize
        for (b, sample) in batch.enumerated() {
            guard let cache = caches[b] else { continue }
            let v = row(pItem, sample.target)
            for j in 0..<c { grads.values[pItem][sample.target * c + j] += dLogits[b] * cache.output[j] }
            backward(clipped(sample.history), cache: cache, dOutput: v.map { $0 * dLogits[b] }, grads: &grads)
        }
        return (logits, grads)
    }

    // MARK: - Forward

    private struct BlockCache {
        var input: [Float]       // T x C
        var q, k, v: [Float]     // T x C
        var probabilities: [Float]  // H x T x T (row-major, zero above the diagonal)
        var context: [Float]     // T x C
        var norm1: LayerNormCache
        var x1: [Float]          // T x C, after the attention sub-layer
        var hidden: [Float]      // T x F, before GELU
        var activated: [Float]   // T x F, after GELU
        var norm2: LayerNormCache
    }

    private struct Cache {
        var norm0: LayerNormCache
        var blocks: [BlockCache]
        var output: [Float]      // C, last position of the last block
    }

    private func clipped(_ history: [Int]) -> [Int] {
        history.count > config.maxSequenceLength ? Array(history.suffix(config.maxSequenceLength)) : history
    }

    private func row(_ p: Int, _ r: Int) -> [Float] {
        let c = config.hiddenSize
        return Array(parameters.values[p][(r * c)..<((r + 1) * c)])
    }

    private func forward(_ history: [Int]) -> Cache {
        let c = config.hiddenSize, t = history.count, f = config.innerSize
        let vals = parameters.values
        var x = [Float](repeating: 0, count: t * c)
        for (p, item) in history.enumerated() {
            for j in 0..<c { x[p * c + j] = vals[pItem][item * c + j] + vals[pPosition][p * c + j] }
        }
        let (x0, norm0) = layerNormForward(x, rows: t, width: c, weight: vals[pNormW], bias: vals[pNormB],
                                           eps: config.layerNormEps)
        x = x0
        var caches: [BlockCache] = []
        for blk in blocks {
            let q = linearForward(x, rows: t, inputs: c, weight: vals[blk.q], bias: vals[blk.qb], outputs: c)
            let k = linearForward(x, rows: t, inputs: c, weight: vals[blk.k], bias: vals[blk.kb], outputs: c)
            let v = linearForward(x, rows: t, inputs: c, weight: vals[blk.v], bias: vals[blk.vb], outputs: c)
            let (context, probabilities) = attention(q: q, k: k, v: v, t: t)
            var a = linearForward(context, rows: t, inputs: c, weight: vals[blk.o], bias: vals[blk.ob], outputs: c)
            for i in 0..<(t * c) { a[i] += x[i] }
            let (x1, norm1) = layerNormForward(a, rows: t, width: c, weight: vals[blk.n1w], bias: vals[blk.n1b],
                                               eps: config.layerNormEps)
            let hidden = linearForward(x1, rows: t, inputs: c, weight: vals[blk.f1], bias: vals[blk.f1b], outputs: f)
            let activated = hidden.map(gelu)
            var y = linearForward(activated, rows: t, inputs: f, weight: vals[blk.f2], bias: vals[blk.f2b], outputs: c)
            for i in 0..<(t * c) { y[i] += x1[i] }
            let (x2, norm2) = layerNormForward(y, rows: t, width: c, weight: vals[blk.n2w], bias: vals[blk.n2b],
                                               eps: config.layerNormEps)
            caches.append(BlockCache(input: x, q: q, k: k, v: v, probabilities: probabilities, context: context,
                                     norm1: norm1, x1: x1, hidden: hidden, activated: activated, norm2: norm2))
            x = x2
        }
        return Cache(norm0: norm0, blocks: caches, output: Array(x[((t - 1) * c)..<(t * c)]))
    }

    /// Causal multi-head attention: position i attends to positions 0...i with
    /// softmax(q_i k_j / sqrt(D)). Returns the context (T x C) and the weights (H x T x T).
    private func attention(q: [Float], k: [Float], v: [Float], t: Int) -> (context: [Float], probabilities: [Float]) {
        let c = config.hiddenSize, heads = config.heads, d = c / heads
        let scale = 1 / Float(d).squareRoot()
        var context = [Float](repeating: 0, count: t * c)
        var probs = [Float](repeating: 0, count: heads * t * t)
        for h in 0..<heads {
            for i in 0..<t {
                var scores = [Float](repeating: 0, count: i + 1)
                var maxScore = -Float.infinity
                for j in 0...i {
                    var s: Float = 0
                    for e in 0..<d { s += q[i * c + h * d + e] * k[j * c + h * d + e] }
                    scores[j] = s * scale
                    maxScore = max(maxScore, scores[j])
                }
                var total: Float = 0
                for j in 0...i { scores[j] = exp(scores[j] - maxScore); total += scores[j] }
                for j in 0...i {
                    let pr = scores[j] / total
                    probs[(h * t + i) * t + j] = pr
                    for e in 0..<d { context[i * c + h * d + e] += pr * v[j * c + h * d + e] }
                }
            }
        }
        return (context, probs)
    }

    // MARK: - Backward

    private func backward(_ history: [Int], cache: Cache, dOutput: [Float], grads: inout ParameterSet) {
        let c = config.hiddenSize, t = history.count, f = config.innerSize
        let heads = config.heads, d = c / heads
        let scale = 1 / Float(d).squareRoot()
        let vals = parameters.values
        // Only the last position reaches the logit.
        var dx = [Float](repeating: 0, count: t * c)
        for j in 0..<c { dx[(t - 1) * c + j] = dOutput[j] }
        for (l, blk) in blocks.enumerated().reversed() {
            let bc = cache.blocks[l]
            // x2 = LN2(FFN(x1) + x1)
            let dy = layerNormBackward(dx, cache: bc.norm2, rows: t, width: c, weight: vals[blk.n2w],
                                       gradients: &grads, weightIndex: blk.n2w, biasIndex: blk.n2b)
            accumulateColumnSums(dy, rows: t, columns: c, into: &grads.values[blk.f2b])
            var dAct = linearBackward(dy, x: bc.activated, rows: t, inputs: f, weight: vals[blk.f2], outputs: c,
                                      dWeight: &grads.values[blk.f2])
            for i in 0..<(t * f) { dAct[i] *= geluDerivative(bc.hidden[i]) }
            accumulateColumnSums(dAct, rows: t, columns: f, into: &grads.values[blk.f1b])
            var dx1 = linearBackward(dAct, x: bc.x1, rows: t, inputs: c, weight: vals[blk.f1], outputs: f,
                                     dWeight: &grads.values[blk.f1])
            for i in 0..<(t * c) { dx1[i] += dy[i] }
            // x1 = LN1(dense(context) + input)
            let da = layerNormBackward(dx1, cache: bc.norm1, rows: t, width: c, weight: vals[blk.n1w],
                                       gradients: &grads, weightIndex: blk.n1w, biasIndex: blk.n1b)
            accumulateColumnSums(da, rows: t, columns: c, into: &grads.values[blk.ob])
            let dContext = linearBackward(da, x: bc.context, rows: t, inputs: c, weight: vals[blk.o], outputs: c,
                                          dWeight: &grads.values[blk.o])
            // Attention: context_i = sum_j P_ij v_j, P = softmax(S), S_ij = scale q_i . k_j (j <= i).
            var dq = [Float](repeating: 0, count: t * c), dk = dq, dv = dq
            for h in 0..<heads {
                for i in 0..<t {
                    var dp = [Float](repeating: 0, count: i + 1)
                    var weighted: Float = 0
                    for j in 0...i {
                        let pr = bc.probabilities[(h * t + i) * t + j]
                        var g: Float = 0
                        for e in 0..<d {
                            g += dContext[i * c + h * d + e] * bc.v[j * c + h * d + e]
                            dv[j * c + h * d + e] += pr * dContext[i * c + h * d + e]
                        }
                        dp[j] = g
                        weighted += g * pr
                    }
                    for j in 0...i {
                        let ds = bc.probabilities[(h * t + i) * t + j] * (dp[j] - weighted) * scale
                        for e in 0..<d {
                            dq[i * c + h * d + e] += ds * bc.k[j * c + h * d + e]
                            dk[j * c + h * d + e] += ds * bc.q[i * c + h * d + e]
                        }
                    }
                }
            }
            var dInput = da  // the residual path
            for (dProj, w, wb) in [(dq, blk.q, blk.qb), (dk, blk.k, blk.kb), (dv, blk.v, blk.vb)] {
                accumulateColumnSums(dProj, rows: t, columns: c, into: &grads.values[wb])
                let back = linearBackward(dProj, x: bc.input, rows: t, inputs: c, weight: vals[w], outputs: c,
                                          dWeight: &grads.values[w])
                for i in 0..<(t * c) { dInput[i] += back[i] }
            }
            dx = dInput
        }
        let dEmbedded = layerNormBackward(dx, cache: cache.norm0, rows: t, width: c, weight: vals[pNormW],
                                          gradients: &grads, weightIndex: pNormW, biasIndex: pNormB)
        for (p, item) in history.enumerated() {
            for j in 0..<c {
                grads.values[pItem][item * c + j] += dEmbedded[p * c + j]
                grads.values[pPosition][p * c + j] += dEmbedded[p * c + j]
            }
        }
    }
}
