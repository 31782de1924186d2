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

import Autograd
import Foundation
import SeededRandom
import TensorCore

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
    let userEmbedding, itemEmbedding: Variable<Float>
    /// Symmetric normalised adjacency D^-1/2 A D^-1/2, weight 1/sqrt(d_i d_j) per edge.
    let normalized: CSRMatrix<Float>

    /// RecBole's initialisation: Xavier-uniform user and item embeddings.
    public init(config: LightGCNConfig, graph: InteractionGraph, random: inout RandomStream) {
        self.config = config
        self.graph = graph
        let c = config.embeddingSize
        func xavier(_ name: String, _ rows: Int) -> Variable<Float> {
            var v = [Float](repeating: 0, count: rows * c)
            let bound = xavierBound(fanIn: c, fanOut: rows)
            random.fillUniform(&v, low: -bound, high: bound)
            return parameter(name, [rows, c], v)
        }
        userEmbedding = xavier("user_embedding.weight", graph.userCount)
        itemEmbedding = xavier("item_embedding.weight", graph.itemCount)
        let degree = graph.neighbours.map { Double($0.count) }
        normalized = graph.adjacency { i, j in Float(1 / (degree[i] * degree[j]).squareRoot()) }
    }

    public var namedParameters: [(String, Variable<Float>)] {
        [("user_embedding.weight", userEmbedding), ("item_embedding.weight", itemEmbedding)]
    }

    /// The normalised adjacency D^-1/2 A D^-1/2 as a dense N x N matrix (for tests).
    public func normalizedAdjacency() -> [Float] { normalized.dense() }

    /// final = mean(E_0, ..., E_L), E_{l+1} = D^-1/2 A D^-1/2 E_l, E_0 = users then items.
    public func logits(_ batch: [BaselineSample], on tape: Tape<Float>) -> Variable<Float> {
        var e = tape.concatenate([userEmbedding, itemEmbedding], axis: 0)
        var total = e
        for _ in 0..<config.layers {
            e = tape.sparseMatmul(normalized, e)
            total = tape.add(total, e)
        }
        let final = tape.scale(total, 1 / Float(config.layers + 1))
        return tape.graphLogits(final, graph: graph, batch: batch)
    }
}
