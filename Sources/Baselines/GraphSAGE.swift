// GraphSAGE
// Paper: W. L. Hamilton, R. Ying, J. Leskovec, "Inductive Representation Learning on Large
//   Graphs", NeurIPS 2017 (mean aggregator, section 3.3).
// Reference code: PyTorch Geometric torch_geometric/nn/conv/sage_conv.py (SAGEConv, aggr "mean",
//   root_weight true, normalize false): h_i' = lin_l(mean_{j in N(i)} h_j) + lin_r(h_i), lin_l with
//   bias, lin_r without; ReLU between layers and none after the last, as PyG's GraphSAGE model.
//   Initial node features: learned user and item embeddings. A node without neighbours has a
//   zero mean (PyG's scatter-mean gives 0).
// NOTE (deviation): the user vector of a sample is the mean of the final vectors of its history
//   items (as for LightGCN; see ScoringProtocol.swift), trained with BCE on the K samples.
// NOTE (deviation): full-graph propagation, no neighbour sampling (the few-shot graphs have at
//   most a few thousand nodes); no dropout.
// Shapes: N nodes, C embedding size, Hd hidden size, L layers.

import Foundation
import SeededRandom

public struct GraphSAGEConfig: Sendable, Equatable, Codable {
    public var embeddingSize: Int = 64  // input node features
    public var hiddenSize: Int = 64     // every layer's output width
    public var layers: Int = 2
    public init(embeddingSize: Int = 64, hiddenSize: Int = 64, layers: Int = 2) {
        self.embeddingSize = embeddingSize
        self.hiddenSize = hiddenSize
        self.layers = layers
    }
}

public struct GraphSAGE: SequenceScorer {
    public let name = "GraphSAGE"
    public let config: GraphSAGEConfig
    public let graph: InteractionGraph
    public var parameters = ParameterSet()
    private let pUser, pItem: Int
    private var convs: [(l: Int, lb: Int, r: Int)] = []

    /// Embeddings Xavier-uniform (as the other graph baseline); SAGEConv's linear layers as
    /// torch.nn.Linear / PyG Linear: weight and bias U(+-1/sqrt(fan in)).
    public init(config: GraphSAGEConfig, graph: InteractionGraph, random: inout RandomStream) {
        self.config = config
        self.graph = graph
        let c = config.embeddingSize
        func uniform(_ n: Int, _ bound: Float) -> [Float] {
            var v = [Float](repeating: 0, count: n)
            random.fillUniform(&v, low: -bound, high: bound)
            return v
        }
        pUser = parameters.append("user_embedding.weight", shape: [graph.userCount, c],
                                  values: uniform(graph.userCount * c, xavierBound(fanIn: c, fanOut: graph.userCount)))
        pItem = parameters.append("item_embedding.weight", shape: [graph.itemCount, c],
                                  values: uniform(graph.itemCount * c, xavierBound(fanIn: c, fanOut: graph.itemCount)))
        for l in 0..<config.layers {
            let input = l == 0 ? c : config.hiddenSize, output = config.hiddenSize
            let bound = 1 / Float(input).squareRoot()
            convs.append((
                l: parameters.append("convs.\(l).lin_l.weight", shape: [output, input], values: uniform(output * input, bound)),
                lb: parameters.append("convs.\(l).lin_l.bias", shape: [output], values: uniform(output, bound)),
                r: parameters.append("convs.\(l).lin_r.weight", shape: [output, input], values: uniform(output * input, bound))))
        }
    }

    /// The mean-aggregation matrix (row i: 1/deg(i) at each neighbour) as dense N x N (for tests).
    public func meanAggregation() -> [Float] {
        let n = graph.nodeCount
        var m = [Float](repeating: 0, count: n * n)
        for (i, list) in graph.neighbours.enumerated() {
            for j in list { m[i * n + j] = 1 / Float(list.count) }
        }
        return m
    }

    public func logits(_ batch: [BaselineSample]) -> [Float] {
        let (final, _) = forward()
        return graphScores(final, width: config.hiddenSize, graph: graph, batch: batch)
    }

    public func logitsAndGradients(_ batch: [BaselineSample], lossGradient: ([Float]) -> [Float])
        -> (logits: [Float], gradients: ParameterSet)
    {
        let (final, layers) = forward()
        let hd = config.hiddenSize, n = graph.nodeCount
        let logits = graphScores(final, width: hd, graph: graph, batch: batch)
        var dh = [Float](repeating: 0, count: final.count)
        graphScoresBackward(final, width: hd, graph: graph, batch: batch, dLogits: lossGradient(logits), dFinal: &dh)
        var grads = parameters.zeros()
        for l in stride(from: config.layers - 1, through: 0, by: -1) {
            let cache = layers[l], conv = convs[l]
            let input = l == 0 ? config.embeddingSize : hd
            if l < config.layers - 1 {
                for i in 0..<dh.count where cache.output[i] <= 0 { dh[i] = 0 }  // ReLU
            }
            accumulateColumnSums(dh, rows: n, columns: hd, into: &grads.values[conv.lb])
            let dMean = linearBackward(dh, x: cache.mean, rows: n, inputs: input, weight: parameters.values[conv.l],
                                       outputs: hd, dWeight: &grads.values[conv.l])
            var dInput = linearBackward(dh, x: cache.input, rows: n, inputs: input, weight: parameters.values[conv.r],
                                        outputs: hd, dWeight: &grads.values[conv.r])
            // mean_i = sum_{j in N(i)} h_j / deg(i): the transpose sends dMean_i / deg(i) to every j.
            for (i, list) in graph.neighbours.enumerated() where !list.isEmpty {
                let w = 1 / Float(list.count)
                for j in list {
                    for k in 0..<input { dInput[j * input + k] += w * dMean[i * input + k] }
                }
            }
            dh = dInput
        }
        let c = config.embeddingSize, userPart = graph.userCount * c
        grads.values[pUser] = Array(dh[0..<userPart])
        grads.values[pItem] = Array(dh[userPart...])
        return (logits, grads)
    }

    private struct LayerCache {
        var input: [Float]   // N x in
        var mean: [Float]    // N x in, neighbour means
        var output: [Float]  // N x Hd, before ReLU
    }

    private func forward() -> (final: [Float], layers: [LayerCache]) {
        let hd = config.hiddenSize, n = graph.nodeCount
        var h = parameters.values[pUser] + parameters.values[pItem]
        var caches: [LayerCache] = []
        for (l, conv) in convs.enumerated() {
            let input = l == 0 ? config.embeddingSize : hd
            var mean = [Float](repeating: 0, count: n * input)
            for (i, list) in graph.neighbours.enumerated() where !list.isEmpty {
                let w = 1 / Float(list.count)
                for j in list { for k in 0..<input { mean[i * input + k] += w * h[j * input + k] } }
            }
            var out = linearForward(mean, rows: n, inputs: input, weight: parameters.values[conv.l],
                                    bias: parameters.values[conv.lb], outputs: hd)
            let root = linearForward(h, rows: n, inputs: input, weight: parameters.values[conv.r], bias: nil, outputs: hd)
            for i in 0..<out.count { out[i] += root[i] }
            caches.append(LayerCache(input: h, mean: mean, output: out))
            h = l < config.layers - 1 ? out.map { max($0, 0) } : out
        }
        return (h, caches)
    }
}
