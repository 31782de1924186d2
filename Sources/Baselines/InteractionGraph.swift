// The user-item graph of the graph baselines, built from the training samples only.
//
// Edges (undirected, deduplicated): (user, h) for every item h in the history of every training
// sample, and (user, target) for every training sample labelled 1 (like). Targets of samples
// labelled 0 add no edge: they are known only with their label, and a "not like" is not a
// positive interaction in LightGCN's sense. The unknown item (index 0) never gets an edge.
// Validation and test samples add nothing, so no held-out label (nor any held-out interaction)
// reaches a graph model. Nodes: users 0..<U, then items U..<U+I.

/// Undirected bipartite user-item graph with sorted neighbour lists.
public struct InteractionGraph: Sendable, Equatable {
    public let userCount: Int
    public let itemCount: Int
    /// Sorted (user, item index) pairs.
    public let edges: [(user: Int, item: Int)]
    /// neighbours[node], ascending node numbers.
    public let neighbours: [[Int]]

    public var nodeCount: Int { userCount + itemCount }
    public func itemNode(_ item: Int) -> Int { userCount + item }

    /// Builds the graph from training samples whose users are indices below `userCount`.
    /// Samples without a user index (possible only for non-training samples) are skipped.
    public init(training: [BaselineSample], userCount: Int, itemCount: Int) {
        self.userCount = userCount
        self.itemCount = itemCount
        var pairs = Set<Int64>()
        func add(_ u: Int, _ i: Int) {
            guard i != BaselineVocabulary.unknownItem, u >= 0, u < userCount, i >= 0, i < itemCount else { return }
            pairs.insert(Int64(u) * Int64(itemCount) + Int64(i))
        }
        for s in training {
            guard let u = s.user else { continue }
            for h in s.history { add(u, h) }
            if s.label == 1 { add(u, s.target) }
        }
        // Sorted so nothing depends on Set iteration order.
        let sorted = pairs.sorted()
        edges = sorted.map { (user: Int($0 / Int64(itemCount)), item: Int($0 % Int64(itemCount))) }
        var lists = [[Int]](repeating: [], count: userCount + itemCount)
        for e in edges {
            lists[e.user].append(userCount + e.item)
            lists[userCount + e.item].append(e.user)
        }
        neighbours = lists.map { $0.sorted() }
    }

    public static func == (a: InteractionGraph, b: InteractionGraph) -> Bool {
        a.userCount == b.userCount && a.itemCount == b.itemCount && a.neighbours == b.neighbours
    }
}

/// Graph models: logit = <mean of the final vectors of the history items, final vector of the target>.
/// `final` is N x C; returns the logits (B) and, given dLogits, accumulates dFinal (N x C).
func graphScores(_ final: [Float], width c: Int, graph: InteractionGraph, batch: [BaselineSample]) -> [Float] {
    batch.map { s in
        guard !s.history.isEmpty else { return 0 }
        let t = graph.itemNode(s.target) * c
        var z: Float = 0
        for j in 0..<c {
            var u: Float = 0
            for h in s.history { u += final[graph.itemNode(h) * c + j] }
            z += u / Float(s.history.count) * final[t + j]
        }
        return z
    }
}

func graphScoresBackward(_ final: [Float], width c: Int, graph: InteractionGraph, batch: [BaselineSample],
                         dLogits: [Float], dFinal: inout [Float]) {
    for (b, s) in batch.enumerated() where !s.history.isEmpty {
        let t = graph.itemNode(s.target) * c
        let share = dLogits[b] / Float(s.history.count)
        for j in 0..<c {
            var u: Float = 0
            for h in s.history { u += final[graph.itemNode(h) * c + j] }
            dFinal[t + j] += dLogits[b] * u / Float(s.history.count)
            for h in s.history { dFinal[graph.itemNode(h) * c + j] += share * final[t + j] }
        }
    }
}
