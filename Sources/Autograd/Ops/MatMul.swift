import TensorCore

extension Tape {
    /// x [..., K] @ W, with W [K, N], or x @ W^T with W [N, K] when `transposeWeight` (PyTorch's
    /// Linear layout). Gradients: dx = g W^T (or g W), dW = x^T g (or g^T x), both one GEMM over
    /// the flattened leading dimensions; dW is skipped for a frozen W.
    public func matmul(_ x: Variable<Scalar>, _ w: Variable<Scalar>, transposeWeight: Bool = false) -> Variable<Scalar> {
        let xv = x.value.rank == 1 ? x.value.reshaped([1, x.value.count]) : x.value
        var out = xv.matmul(w.value, transposeOther: transposeWeight)
        if x.value.rank == 1 { out = out.reshaped([out.count]) }
        return record(out, inputs: [x, w]) { g in
            let k = xv.shape[xv.rank - 1]
            let n = g.shape[g.rank - 1]
            let g2 = g.reshaped([-1, n])
            if x.requiresGrad {
                x.accumulate(g2.matmul(w.value, transposeOther: !transposeWeight).reshaped(x.shape))
            }
            if w.requiresGrad {
                let x2 = xv.reshaped([-1, k])
                // [K, N] = x2^T g2, or [N, K] = g2^T x2.
                w.accumulate(transposeWeight ? g2.matmul(x2, transposeSelf: true) : x2.matmul(g2, transposeSelf: true))
            }
        }
    }

    /// Batched a [B, M, K] @ b [B, K, N], either side optionally transposed in its last two axes.
    public func batchedMatmul(_ a: Variable<Scalar>, _ b: Variable<Scalar>,
                              transposeA: Bool = false, transposeB: Bool = false) -> Variable<Scalar> {
        let out = a.value.batchedMatmul(b.value, transposeSelf: transposeA, transposeOther: transposeB)
        return record(out, inputs: [a, b]) { g in
            let av = a.value, bv = b.value
            if a.requiresGrad {
                let ga: Tensor<Scalar>
                switch (transposeA, transposeB) {
                case (false, false): ga = g.batchedMatmul(bv, transposeOther: true)
                case (false, true): ga = g.batchedMatmul(bv)
                case (true, false): ga = bv.batchedMatmul(g, transposeOther: true)
                case (true, true): ga = bv.batchedMatmul(g, transposeSelf: true, transposeOther: true)
                }
                a.accumulate(ga)
            }
            if b.requiresGrad {
                let gb: Tensor<Scalar>
                switch (transposeA, transposeB) {
                case (false, false): gb = av.batchedMatmul(g, transposeSelf: true)
                case (false, true): gb = g.batchedMatmul(av, transposeSelf: true)
                case (true, false): gb = av.batchedMatmul(g)
                case (true, true): gb = g.batchedMatmul(av, transposeSelf: true, transposeOther: true)
                }
                b.accumulate(gb)
            }
        }
    }
}
