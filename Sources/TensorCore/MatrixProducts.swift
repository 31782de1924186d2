// Matrix products, all through BLAS (REFERENCE.md section 7: a hand loop reaches a tenth of
// OpenBLAS's speed). The leading dimensions of `a` are flattened into rows, so a [B, T, C] by
// [C, N] product is a single GEMM of (B*T) x C by C x N.

extension Tensor {
    /// op(self) @ op(other). self: [..., M, K] (or [..., K, M] when transposeSelf), other: [K, N]
    /// (or [N, K] when transposeOther). Leading dimensions of self are kept; other is 2-D.
    @inlinable
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        precondition(rank >= 2 && other.rank == 2, "matmul needs [..., M, K] by [K, N], got \(shape) and \(other.shape)")
        let lead = Array(shape.dropLast(2))
        let batch = lead.reduce(1, *)
        let (r0, r1) = (shape[rank - 2], shape[rank - 1])
        let (m, k) = transposeSelf ? (r1, r0) : (r0, r1)
        let (k2, n) = transposeOther ? (other.shape[1], other.shape[0]) : (other.shape[0], other.shape[1])
        precondition(k == k2, "matmul inner dimensions differ: \(shape) by \(other.shape)")
        var out = Tensor(uninitialized: lead + [m, n])          // every element written by beta-0 products below
        if transposeSelf {
            // Each batch element is its own transposed GEMM.
            scalars.withUnsafeBufferPointer { a in
                other.scalars.withUnsafeBufferPointer { b in
                    out.scalars.withUnsafeMutableBufferPointer { c in
                        for i in 0..<batch {
                            Scalar.gemm(transA: true, transB: transposeOther, m: m, n: n, k: k, alpha: 1,
                                        a: a.baseAddress! + i * r0 * r1, lda: r1, b: b.baseAddress!, ldb: other.shape[1],
                                        beta: 0, c: c.baseAddress! + i * m * n, ldc: n)
                        }
                    }
                }
            }
        } else if m * batch > 0 && n > 0 {
            scalars.withUnsafeBufferPointer { a in
                other.scalars.withUnsafeBufferPointer { b in
                    out.scalars.withUnsafeMutableBufferPointer { c in
                        Scalar.gemm(transA: false, transB: transposeOther, m: batch * m, n: n, k: k, alpha: 1,
                                    a: a.baseAddress!, lda: k, b: b.baseAddress!, ldb: other.shape[1],
                                    beta: 0, c: c.baseAddress!, ldc: n)
                    }
                }
            }
        }
        return out
    }

    /// Batched product: self [B, M, K] (or [B, K, M]) by other [B, K, N] (or [B, N, K]).
    @inlinable
    public func batchedMatmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        precondition(rank == 3 && other.rank == 3 && shape[0] == other.shape[0],
                     "batchedMatmul needs [B, M, K] by [B, K, N], got \(shape) and \(other.shape)")
        let b = shape[0]
        let (m, k) = transposeSelf ? (shape[2], shape[1]) : (shape[1], shape[2])
        let (k2, n) = transposeOther ? (other.shape[2], other.shape[1]) : (other.shape[1], other.shape[2])
        precondition(k == k2, "batchedMatmul inner dimensions differ: \(shape) by \(other.shape)")
        var out = Tensor(uninitialized: [b, m, n])              // every element written by beta-0 products below
        guard m > 0 && n > 0 else { return out }
        let aStride = shape[1] * shape[2], bStride = other.shape[1] * other.shape[2]
        scalars.withUnsafeBufferPointer { a in
            other.scalars.withUnsafeBufferPointer { bp in
                out.scalars.withUnsafeMutableBufferPointer { c in
                    for i in 0..<b {
                        Scalar.gemm(transA: transposeSelf, transB: transposeOther, m: m, n: n, k: k, alpha: 1,
                                    a: a.baseAddress! + i * aStride, lda: shape[2],
                                    b: bp.baseAddress! + i * bStride, ldb: other.shape[2],
                                    beta: 0, c: c.baseAddress! + i * m * n, ldc: n)
                    }
                }
            }
        }
        return out
    }
}
