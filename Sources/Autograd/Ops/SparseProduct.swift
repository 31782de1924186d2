import TensorCore

/// A sparse matrix in compressed sparse row form (for graph propagation, e.g. the normalised
/// adjacency D^-1/2 A D^-1/2 of LightGCN). Entries of a row are kept in the given order.
public struct CSRMatrix<Scalar: TensorScalar>: Sendable {
    public let rows: Int
    public let columns: Int
    public let rowStart: [Int]   // rows + 1 offsets into columnIndex / values
    public let columnIndex: [Int]
    public let values: [Scalar]

    public init(rows: Int, columns: Int, rowStart: [Int], columnIndex: [Int], values: [Scalar]) {
        precondition(rowStart.count == rows + 1 && rowStart.first == 0 && rowStart.last == columnIndex.count
                     && columnIndex.count == values.count, "inconsistent CSR arrays")
        precondition(columnIndex.allSatisfy { $0 >= 0 && $0 < columns }, "CSR column index out of range")
        self.rows = rows
        self.columns = columns
        self.rowStart = rowStart
        self.columnIndex = columnIndex
        self.values = values
    }

    /// A @ x for dense x [columns, C].
    public func times(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        let c = x.shape[1]
        var out = Tensor<Scalar>(zeros: [rows, c])
        out.scalars.withUnsafeMutableBufferPointer { o in
            x.scalars.withUnsafeBufferPointer { xv in
                for r in 0..<rows {
                    for e in rowStart[r]..<rowStart[r + 1] {
                        let w = values[e], src = columnIndex[e] * c
                        for j in 0..<c { o[r * c + j] += w * xv[src + j] }
                    }
                }
            }
        }
        return out
    }

    /// A^T @ g for dense g [rows, C] (the gradient of `times` with respect to x).
    public func transposeTimes(_ g: Tensor<Scalar>) -> Tensor<Scalar> {
        let c = g.shape[1]
        var out = Tensor<Scalar>(zeros: [columns, c])
        out.scalars.withUnsafeMutableBufferPointer { o in
            g.scalars.withUnsafeBufferPointer { gv in
                for r in 0..<rows {
                    for e in rowStart[r]..<rowStart[r + 1] {
                        let w = values[e], dst = columnIndex[e] * c
                        for j in 0..<c { o[dst + j] += w * gv[r * c + j] }
                    }
                }
            }
        }
        return out
    }
}

extension Tape {
    /// Sparse (constant) times dense: A [N, M] @ x [M, C] -> [N, C]; dx = A^T g.
    public func sparseMatmul(_ a: CSRMatrix<Scalar>, _ x: Variable<Scalar>) -> Variable<Scalar> {
        precondition(x.value.rank == 2 && x.shape[0] == a.columns, "sparse [\(a.rows), \(a.columns)] by dense \(x.shape)")
        return record(a.times(x.value), inputs: [x]) { g in x.accumulate(a.transposeTimes(g)) }
    }
}
