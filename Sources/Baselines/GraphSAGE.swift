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

import Autograd
import Foundation
import NeuralLayers
import SeededRandom
import TensorCore

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
    let userEmbedding, itemEmbedding: Variable<Float>
    /// SAGEConv layers: lin_l on the neighbour mean (with bias), lin_r on the node itself (without).
    let convs: [(neighbours: Linear<Float>, root: Linear<Float>)]
    /// Mean aggregation: row i has 1/deg(i) at each neighbour (a node without any gets a zero row).
    let aggregation: CSRMatrix<Float>

    /// Embeddings Xavier-uniform (as the other graph baseline); SAGEConv's linear layers as
    /// torch.nn.Linear / PyG Linear: weight and bias U(+-1/sqrt(fan in)).
    public init(config: GraphSAGEConfig, graph: InteractionGraph, random: inout RandomStream) {
        self.config = config
        self.graph = graph
        let c = config.embeddingSize
        func uniform(_ name: String, _ shape: [Int], _ bound: Float) -> Variable<Float> {
            var v = [Float](repeating: 0, count: shape.reduce(1, *))
            random.fillUniform(&v, low: -bound, high: bound)
            return parameter(name, shape, v)
        }
        userEmbedding = uniform("user_embedding.weight", [graph.userCount, c], xavierBound(fanIn: c, fanOut: graph.userCount))
        itemEmbedding = uniform("item_embedding.weight", [graph.itemCount, c], xavierBound(fanIn: c, fanOut: graph.itemCount))
        var convs: [(neighbours: Linear<Float>, root: Linear<Float>)] = []
        for l in 0..<config.layers {
            let input = l == 0 ? c : config.hiddenSize, output = config.hiddenSize
            let bound = 1 / Float(input).squareRoot()
            let weight = uniform("weight", [output, input], bound), bias = uniform("bias", [output], bound)
            convs.append((neighbours: Linear(weight: weight, bias: bias),
                          root: Linear(weight: uniform("weight", [output, input], bound), bias: nil)))
        }
        self.convs = convs
        aggregation = graph.adjacency { i, _ in 1 / Float(graph.neighbours[i].count) }
    }

    public var namedParameters: [(String, Variable<Float>)] {
        [("user_embedding.weight", userEmbedding), ("item_embedding.weight", itemEmbedding)]
            + convs.enumerated().flatMap { l, conv in
                conv.neighbours.namedParameters(prefix: "convs.\(l).lin_l.") + conv.root.namedParameters(prefix: "convs.\(l).lin_r.")
            }
    }

    /// The mean-aggregation matrix (row i: 1/deg(i) at each neighbour) as dense N x N (for tests).
    public func meanAggregation() -> [Float] { aggregation.dense() }

    /// h' = lin_l(mean of the neighbours' h) + lin_r(h), ReLU between layers, none after the last.
    public func logits(_ batch: [BaselineSample], on tape: Tape<Float>) -> Variable<Float> {
        var h = tape.concatenate([userEmbedding, itemEmbedding], axis: 0)
        for (l, conv) in convs.enumerated() {
            let out = tape.add(conv.neighbours(tape.sparseMatmul(aggregation, h), on: tape), conv.root(h, on: tape))
            h = l < convs.count - 1 ? tape.relu(out) : out
        }
        return tape.graphLogits(h, graph: graph, batch: batch)
    }
}
