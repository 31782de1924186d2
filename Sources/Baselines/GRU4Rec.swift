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
//   histories are processed at their true length, so no padding exists.
// Shapes: T history positions, E embedding size, Hd hidden size, I item indices.

import Foundation
import SeededRandom

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
    public var parameters = ParameterSet()
    private let pEmbedding, pWih, pWhh, pDenseW, pDenseB: Int

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
        pEmbedding = parameters.append("item_embedding.weight", shape: [itemCount, e],
                                       values: uniform(itemCount * e, xavierBound(fanIn: e, fanOut: itemCount)))
        pWih = parameters.append("gru_layers.weight_ih_l0", shape: [3 * h, e],
                                 values: uniform(3 * h * e, xavierBound(fanIn: e, fanOut: 3 * h)))
        pWhh = parameters.append("gru_layers.weight_hh_l0", shape: [3 * h, h],
                                 values: uniform(3 * h * h, xavierBound(fanIn: h, fanOut: 3 * h)))
        let bound = 1 / Float(h).squareRoot()
        pDenseW = parameters.append("dense.weight", shape: [e, h], values: uniform(e * h, bound))
        pDenseB = parameters.append("dense.bias", shape: [e], values: uniform(e, bound))
    }

    public func logits(_ batch: [BaselineSample]) -> [Float] {
        batch.map { sample in
            guard !sample.history.isEmpty else { return 0 }
            let (u, _) = userVector(sample.history)
            return dot(u, embeddingRow(sample.target))
        }
    }

    public func logitsAndGradients(_ batch: [BaselineSample], lossGradient: ([Float]) -> [Float])
        -> (logits: [Float], gradients: ParameterSet)
    {
        var caches: [Cache?] = []
        var logits: [Float] = []
        for sample in batch {
            if sample.history.isEmpty { caches.append(nil); logits.append(0); continue }
            let (u, cache) = userVector(sample.history)
            caches.append(cache)
            logits.append(dot(u, embeddingRow(sample.target)))
        }
        let dLogits = lossGradient(logits)
        var grads = parameters.zeros()
        let e = config.embeddingSize
        for (b, sample) in batch.enumerated() {
            guard let cache = caches[b] else { continue }
            let v = embeddingRow(sample.target)
            // logit = <u, v>: du = dz v, dv = dz u.
            let du = v.map { $0 * dLogits[b] }
            for c in 0..<e { grads.values[pEmbedding][sample.target * e + c] += dLogits[b] * cache.u[c] }
            backward(sample.history, cache: cache, du: du, grads: &grads)
        }
        return (logits, grads)
    }

    // MARK: - Forward and backward of one history

    private struct Cache {
        var x: [Float]        // T x E, embedded history
        var gi: [Float]       // T x 3Hd, W_ih x_t
        var hPrev: [[Float]]  // T x Hd, state before step t
        var r, z, n, ghN: [[Float]]  // T x Hd each, gates and W_hn h_{t-1}
        var hLast: [Float]    // Hd
        var u: [Float]        // E, dense(hLast)
    }

    private func embeddingRow(_ item: Int) -> [Float] {
        let e = config.embeddingSize
        return Array(parameters.values[pEmbedding][(item * e)..<((item + 1) * e)])
    }

    private func userVector(_ history: [Int]) -> (u: [Float], cache: Cache) {
        let e = config.embeddingSize, h = config.hiddenSize, t = history.count
        let table = parameters.values[pEmbedding]
        var x = [Float](repeating: 0, count: t * e)
        for (p, item) in history.enumerated() {
            for c in 0..<e { x[p * e + c] = table[item * e + c] }
        }
        let wih = parameters.values[pWih], whh = parameters.values[pWhh]
        let gi = linearForward(x, rows: t, inputs: e, weight: wih, bias: nil, outputs: 3 * h)
        var state = [Float](repeating: 0, count: h)
        var cache = Cache(x: x, gi: gi, hPrev: [], r: [], z: [], n: [], ghN: [], hLast: [], u: [])
        for p in 0..<t {
            let gh = linearForward(state, rows: 1, inputs: h, weight: whh, bias: nil, outputs: 3 * h)
            var r = [Float](repeating: 0, count: h), z = r, n = r, next = r
            for j in 0..<h {
                r[j] = sigmoid(gi[p * 3 * h + j] + gh[j])
                z[j] = sigmoid(gi[p * 3 * h + h + j] + gh[h + j])
                n[j] = tanhf(gi[p * 3 * h + 2 * h + j] + r[j] * gh[2 * h + j])
                next[j] = (1 - z[j]) * n[j] + z[j] * state[j]
            }
            cache.hPrev.append(state)
            cache.r.append(r); cache.z.append(z); cache.n.append(n)
            cache.ghN.append(Array(gh[(2 * h)..<(3 * h)]))
            state = next
        }
        cache.hLast = state
        cache.u = linearForward(state, rows: 1, inputs: h, weight: parameters.values[pDenseW],
                                bias: parameters.values[pDenseB], outputs: e)
        return (cache.u, cache)
    }

    /// Back-propagation through time from du (E) at the last position.
    private func backward(_ history: [Int], cache: Cache, du: [Float], grads: inout ParameterSet) {
        let e = config.embeddingSize, h = config.hiddenSize, t = history.count
        var dh = linearBackward(du, x: cache.hLast, rows: 1, inputs: h, weight: parameters.values[pDenseW],
                                outputs: e, dWeight: &grads.values[pDenseW])
        accumulateColumnSums(du, rows: 1, columns: e, into: &grads.values[pDenseB])
        var dgi = [Float](repeating: 0, count: t * 3 * h)
        let whh = parameters.values[pWhh]
        for p in stride(from: t - 1, through: 0, by: -1) {
            let r = cache.r[p], z = cache.z[p], n = cache.n[p], hp = cache.hPrev[p], ghN = cache.ghN[p]
            var dgh = [Float](repeating: 0, count: 3 * h)
            var dhPrev = [Float](repeating: 0, count: h)
            for j in 0..<h {
                let dn = dh[j] * (1 - z[j])
                let dz = dh[j] * (hp[j] - n[j])
                dhPrev[j] = dh[j] * z[j]
                let dan = dn * (1 - n[j] * n[j])          // through tanh
                let dar = dan * ghN[j] * r[j] * (1 - r[j])  // through r into its sigmoid
                let daz = dz * z[j] * (1 - z[j])
                dgi[p * 3 * h + j] = dar
                dgi[p * 3 * h + h + j] = daz
                dgi[p * 3 * h + 2 * h + j] = dan
                dgh[j] = dar
                dgh[h + j] = daz
                dgh[2 * h + j] = dan * r[j]
            }
            let back = linearBackward(dgh, x: hp, rows: 1, inputs: h, weight: whh, outputs: 3 * h,
                                      dWeight: &grads.values[pWhh])
            for j in 0..<h { dhPrev[j] += back[j] }
            dh = dhPrev
        }
        let dx = linearBackward(dgi, x: cache.x, rows: t, inputs: e, weight: parameters.values[pWih],
                                outputs: 3 * h, dWeight: &grads.values[pWih])
        for (p, item) in history.enumerated() {
            for c in 0..<e { grads.values[pEmbedding][item * e + c] += dx[p * e + c] }
        }
    }
}

@inline(__always)
func dot(_ a: [Float], _ b: [Float]) -> Float {
    var s: Float = 0
    for i in 0..<a.count { s += a[i] * b[i] }
    return s
}
