import Autograd

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

extension InteractionGraph {
    /// The sparse matrix with entry (i, j) = weight(i, j) for every edge, each row's entries in
    /// ascending neighbour order (so each row sums in the order the references' loops do).
    func adjacency(weight: (_ i: Int, _ j: Int) -> Float) -> CSRMatrix<Float> {
        var rowStart = [0], columns: [Int] = [], values: [Float] = []
        for (i, list) in neighbours.enumerated() {
            for j in list { columns.append(j); values.append(weight(i, j)) }
            rowStart.append(columns.count)
        }
        return CSRMatrix(rows: nodeCount, columns: nodeCount, rowStart: rowStart, columnIndex: columns, values: values)
    }
}

extension CSRMatrix where Scalar == Float {
    /// The same matrix dense, row-major (for tests).
    func dense() -> [Float] {
        var m = [Float](repeating: 0, count: rows * columns)
        for r in 0..<rows { for e in rowStart[r]..<rowStart[r + 1] { m[r * columns + columnIndex[e]] = values[e] } }
        return m
    }
}

extension Tape where Scalar == Float {
    /// Graph models' logits (ScoringProtocol): <mean of the final vectors of the history items,
    /// final vector of the target>, from `final` [N, C].
    func graphLogits(_ final: Variable<Float>, graph: InteractionGraph, batch: [BaselineSample]) -> Variable<Float> {
        // An empty history pools one stand-in row (the target's) and is then scored 0.
        let histories = batch.map { $0.history.isEmpty ? [$0.target] : $0.history }
        let rows = embedding(final, ids: histories.flatMap { $0.map(graph.itemNode) })
        let u = segmentPool(rows, counts: histories.map(\.count), .mean)
        let v = embedding(final, ids: batch.map { graph.itemNode($0.target) })
        return protocolLogits(u, v, hasHistory: batch.map { !$0.history.isEmpty })
    }
}
