import SeededRandom
import Testing
import TestSupport
@testable import TensorCore

@Suite("Tensor kernels against direct loops")
struct TensorKernelTests {
    func random(_ shape: [Int], _ r: inout RandomStream) -> Tensor<Double> {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in r.normalDouble() })
    }

    /// C[i][j] = sum_k A[i][k] B[k][j] by three loops.
    func naive(_ a: [Double], _ b: [Double], m: Int, k: Int, n: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for p in 0..<k { c[i * n + j] += a[i * k + p] * b[p * n + j] } } }
        return c
    }

    @Test func matmulAndTransposesMatchLoops() {
        var r = SeedBook(seed: 1).stream(.initialization)
        let a = random([2, 3, 4], &r), b = random([4, 5], &r)
        // BLAS sums in another order: allow rounding at 1e-13 for O(1) values.
        expectClose(a.matmul(b).scalars, naive(a.scalars, b.scalars, m: 6, k: 4, n: 5), atol: 1e-13, "a @ b")
        let bt = b.transposedLastTwo()
        expectClose(a.matmul(bt, transposeOther: true).scalars, naive(a.scalars, b.scalars, m: 6, k: 4, n: 5), atol: 1e-13, "a @ (b^T)^T")
        let a2 = random([4, 6], &r)
        expectClose(a2.matmul(b, transposeSelf: true).scalars,
                    naive(a2.transposedLastTwo().scalars, b.scalars, m: 6, k: 4, n: 5), atol: 1e-13, "a^T @ b")
        let x = random([3, 2, 4], &r), y = random([3, 4, 5], &r)
        let batched = x.batchedMatmul(y)
        for i in 0..<3 {
            expectClose(Array(batched.scalars[(i * 10)..<((i + 1) * 10)]),
                        naive(Array(x.scalars[(i * 8)..<((i + 1) * 8)]), Array(y.scalars[(i * 20)..<((i + 1) * 20)]), m: 2, k: 4, n: 5),
                        atol: 1e-13, "batch \(i)")
        }
        #expect(x.batchedMatmul(y.permuted([0, 2, 1]), transposeOther: true) == batched)
    }

    @Test func permuteConcatSliceGatherAreExactRearrangements() {
        let t = Tensor<Float>(shape: [2, 3, 2], scalars: (0..<12).map(Float.init))
        let p = t.permuted([2, 0, 1])
        #expect(p.shape == [2, 2, 3])
        // p[c][a][b] = t[a][b][c] = 6a + 2b + c
        #expect(p.scalars == [0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11])
        #expect(p.permuted([1, 2, 0]) == t)
        let s = t.slice(axis: 1, 1..<3)
        #expect(s.scalars == [2, 3, 4, 5, 8, 9, 10, 11])
        let c = Tensor.concatenate([t.slice(axis: 1, 0..<1), s], axis: 1)
        #expect(c == t)
        var acc = Tensor<Float>(zeros: [2, 3, 2])
        acc.addSlice(s, axis: 1, at: 1)
        #expect(acc.scalars == [0, 0, 2, 3, 4, 5, 0, 0, 8, 9, 10, 11])
        let table = Tensor<Float>(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])
        #expect(table.gatherRows([2, 0, 2]).scalars == [5, 6, 1, 2, 5, 6])
        var g = Tensor<Float>(zeros: [3, 2])
        g.scatterAddRows([2, 0, 2], Tensor(shape: [3, 2], scalars: [1, 1, 1, 1, 1, 1]))
        #expect(g.scalars == [1, 1, 0, 0, 2, 2])
    }

    @Test func broadcastingFollowsNumPy() {
        #expect(Broadcast.shape([2, 3, 4], [4]) == [2, 3, 4])
        #expect(Broadcast.shape([2, 1, 4], [3, 1]) == [2, 3, 4])
        #expect(Broadcast.shape([2, 3], [4]) == nil)
        let a = Tensor<Float>(shape: [2, 1], scalars: [10, 20])
        let b = Tensor<Float>(shape: [3], scalars: [1, 2, 3])
        #expect(a.broadcastZip(b, +).scalars == [11, 12, 13, 21, 22, 23])
        let g = Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(g.sumReduced(to: [2, 1]).scalars == [6, 15])
        #expect(g.sumReduced(to: [3]).scalars == [5, 7, 9])
    }
}
