// LightGCN (the paper's "GCN" baseline)
// Paper: X. He, K. Deng, X. Wang, Y. Li, Y. Zhang, M. Wang, "LightGCN: Simplifying and Powering
//   Graph Convolution Network for Recommendation", SIGIR 2020, equations (3)-(4).
// Reference code: RecBole 1.2.1 recbole/model/general_recommender/lightgcn.py:
//   E_{l+1} = D^-1/2 A D^-1/2 E_l over the user-item graph (no self loops, no weights, no
//   non-linearity), final = mean(E_0, ..., E_L). Isolated nodes (degree 0) get zero rows, as
//   RecBole's degree + 1e-7 also gives.
// NOTE (deviation): the user vector of a sample is the mean of the final vectors of its history
//   items, not the user node's own vector, so users without training samples (most test users in
//   the few-shot setting) are scored from their history; user nodes still carry the
//   item-user-item propagation. Scoring protocol: ScoringProtocol.swift; edges: InteractionGraph.
// NOTE (deviation): BCE on like / not-like labels of the K few-shot samples instead of BPR over
//   sampled negatives (TALLRec's baseline protocol); L2 regularisation is the optimiser's weight
//   decay (reg_weight) instead of RecBole's per-batch embedding norm.
// Shapes: N = U + I nodes, C embedding size, L layers.

import Foundation
import SeededRandom

public struct LightGCNConfig: Sendable, Equatable, Codable {
    public var embeddingSize: Int = 64  // RecBole embedding_size
    public var layers: Int = 2          // n_layers
    public init(embeddingSize: Int = 64, layers: Int = 2) {
        self.embeddingSize = embeddingSize
        self.layers = layers
    }
}

public struct LightGCN: SequenceScorer {
    public let name = "LightGCN"
    public let config: LightGCNConfig
    public let graph: InteractionGraph
    public var parameters = ParameterSet()
    private let pUser, pItem: Int
    /// Symmetric normalised adjacency as (neighbour, weight) lists, weight 1/sqrt(d_i d_j).
    private let normalized: [[(node: Int, weight: Float)]]

    /// RecBole's initialisation: Xavier-uniform user and item embeddings.
    public init(config: LightGCNConfig, graph: InteractionGraph, random: inout RandomStream) {
        self.config = config
        self.graph = graph
        let c = config.embeddingSize
        func xavier(_ rows: Int) -> [Float] {
            var v = [Float](repeating: 0, count: rows * c)
            let bound = xavierBound(fanIn: c, fanOut: rows)
            random.fillUniform(&v, low: -bound, high: bound)
            return v
        }
        pUser = parameters.append("user_embedding.weight", shape: [graph.userCount, c], values: xavier(graph.userCount))
        pItem = parameters.append("item_embedding.weight", shape: [graph.itemCount, c], values: xavier(graph.itemCount))
        let degree = graph.neighbours.map { Double($0.count) }
        normalized = graph.neighbours.enumerated().map { i, list in
            list.map { j in (node: j, weight: Float(1 / (degree[i] * degree[j]).squareRoot())) }
        }
    }

    /// The normalised adjacency D^-1/2 A D^-1/2 as a dense N x N matrix (for tests).
    public func normalizedAdjacency() -> [Float] {
        let n = graph.nodeCount
        var m = [Float](repeating: 0, count: n * n)
        for (i, list) in normalized.enumerated() { for e in list { m[i * n + e.node] = e.weight } }
        return m
    }

    public func logits(_ batch: [BaselineSample]) -> [Float] {
        graphScores(finalEmbeddings(), width: config.embeddingSize, graph: graph, batch: batch)
    }

    public func logitsAndGradients(_ batch: [BaselineSample], lossGradient: ([Float]) -> [Float])
        -> (logits: [Float], gradients: ParameterSet)
    {
        let c = config.embeddingSize
        let final = finalEmbeddings()
        let logits = graphScores(final, width: c, graph: graph, batch: batch)
        var dFinal = [Float](repeating: 0, count: final.count)
        graphScoresBackward(final, width: c, graph: graph, batch: batch, dLogits: lossGradient(logits), dFinal: &dFinal)
        // final = mean_l E_l and E_l = A^l E_0 with A symmetric, so dE_0 = sum_l A^l dFinal / (L+1),
        // accumulated Horner-style: g = dF/(L+1); repeat L times: g = A g + dF/(L+1).
        let share = 1 / Float(config.layers + 1)
        let scaled = dFinal.map { $0 * share }
        var g = scaled
        for _ in 0..<config.layers {
            g = propagate(g)
            for i in 0..<g.count { g[i] += scaled[i] }
        }
        var grads = parameters.zeros()
        let userPart = graph.userCount * c
        grads.values[pUser] = Array(g[0..<userPart])
        grads.values[pItem] = Array(g[userPart...])
        return (logits, grads)
    }

    /// mean(E_0, ..., E_L) (N x C).
    private func finalEmbeddings() -> [Float] {
        var e = parameters.values[pUser] + parameters.values[pItem]
        var total = e
        for _ in 0..<config.layers {
            e = propagate(e)
            for i in 0..<total.count { total[i] += e[i] }
        }
        let share = 1 / Float(config.layers + 1)
        return total.map { $0 * share }
    }

    /// D^-1/2 A D^-1/2 X for X (N x C); the matrix is symmetric, so this is also the backward.
    private func propagate(_ x: [Float]) -> [Float] {
        let c = config.embeddingSize
        var y = [Float](repeating: 0, count: x.count)
        for (i, list) in normalized.enumerated() {
            for e in list {
                for j in 0..<c { y[i * c + j] += e.weight * x[e.node * c + j] }
            }
        }
        return y
    }
}
