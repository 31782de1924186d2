import TensorCore

// Fused multi-head scaled dot-product attention over a padded batch (Vaswani et al. 2017; the
// attention core of transformers' BertSelfAttention), working on the projections' own layout:
// q, k, v [B, T, C] with head h in columns h*D..<(h+1)*D (C = H * D), so no head permutes are
// copied. For sample b with n = lengths[b] valid tokens and head h:
//   S = scale * Q_bh K_bh^T      [T, n]   (only the n valid keys: no work on padded keys)
//   P = softmax_rows(S)          [T, n]   (kept for backward)
//   O_bh = P V_bh                [T, D]   (written in place into out [B, T, C])
// Padded query rows are computed too (over the valid keys), as transformers computes them, so
// every row equals the unfused masked version (masked keys there get exp(-huge) = 0 exactly).
// Backward, with G_bh the output gradient:
//   dV_bh = P^T G_bh,  dP = G_bh V_bh^T,  dS = P * (dP - rowsum(dP * P)),
//   dQ_bh = scale * dS K_bh,  dK_bh = scale * dS^T Q_bh   (padded keys get zero gradient).

extension Tape {
    /// Attention context [B, T, C] of q, k, v [B, T, C] with `heads` heads; `lengths[b]` valid keys.
    public func attention(query q: Variable<Scalar>, key k: Variable<Scalar>, value v: Variable<Scalar>,
                          heads H: Int, lengths: [Int], scale: Scalar) -> Variable<Scalar> {
        let B = q.shape[0], T = q.shape[1], C = q.shape[2], D = C / H
        precondition(q.shape == k.shape && q.shape == v.shape && C % H == 0 && lengths.count == B,
                     "attention needs q, k, v [B, T, C] with C divisible by heads and B lengths")
        let n = lengths.map { Swift.min(Swift.max($0, 0), T) }
        // P of every (b, h) back to back: [T, n_b] blocks, offset[b * H + h].
        var offsets = [Int](repeating: 0, count: B * H + 1)
        for b in 0..<B { for h in 0..<H { offsets[b * H + h + 1] = offsets[b * H + h] + T * n[b] } }
        var probabilities = [Scalar](repeating: 0, count: offsets[B * H])
        var out = Tensor<Scalar>(zeros: [B, T, C])
        q.value.scalars.withUnsafeBufferPointer { qp in
            k.value.scalars.withUnsafeBufferPointer { kp in
                v.value.scalars.withUnsafeBufferPointer { vp in
                    probabilities.withUnsafeMutableBufferPointer { pp in
                        out.scalars.withUnsafeMutableBufferPointer { op in
                            for b in 0..<B where n[b] > 0 {
                                for h in 0..<H {
                                    let base = b * T * C + h * D, p = pp.baseAddress! + offsets[b * H + h]
                                    Scalar.gemm(transA: false, transB: true, m: T, n: n[b], k: D, alpha: scale,
                                                a: qp.baseAddress! + base, lda: C, b: kp.baseAddress! + base, ldb: C,
                                                beta: 0, c: p, ldc: n[b])
                                    Self.softmaxInPlace(p, rows: T, columns: n[b])
                                    Scalar.gemm(transA: false, transB: false, m: T, n: D, k: n[b], alpha: 1,
                                                a: p, lda: n[b], b: vp.baseAddress! + base, ldb: C,
                                                beta: 0, c: op.baseAddress! + base, ldc: C)
                                }
                            }
                        }
                    }
                }
            }
        }
        return record(out, inputs: [q, k, v]) { g in
            var dq = Tensor<Scalar>(zeros: [B, T, C]), dk = Tensor<Scalar>(zeros: [B, T, C]), dv = Tensor<Scalar>(zeros: [B, T, C])
            var dp = [Scalar](repeating: 0, count: T * T)       // one [T, n] block at a time
            g.scalars.withUnsafeBufferPointer { gp in
                q.value.scalars.withUnsafeBufferPointer { qp in
                    k.value.scalars.withUnsafeBufferPointer { kp in
                        v.value.scalars.withUnsafeBufferPointer { vp in
                            probabilities.withUnsafeBufferPointer { pp in
                                dq.scalars.withUnsafeMutableBufferPointer { dqp in
                                    dk.scalars.withUnsafeMutableBufferPointer { dkp in
                                        dv.scalars.withUnsafeMutableBufferPointer { dvp in
                                            dp.withUnsafeMutableBufferPointer { dpp in
                                                for b in 0..<B where n[b] > 0 {
                                                    for h in 0..<H {
                                                        let base = b * T * C + h * D, p = pp.baseAddress! + offsets[b * H + h]
                                                        let m = n[b], d = dpp.baseAddress!
                                                        // dV = P^T G  [n, D]
                                                        Scalar.gemm(transA: true, transB: false, m: m, n: D, k: T, alpha: 1,
                                                                    a: p, lda: m, b: gp.baseAddress! + base, ldb: C,
                                                                    beta: 0, c: dvp.baseAddress! + base, ldc: C)
                                                        // dP = G V^T  [T, n]
                                                        Scalar.gemm(transA: false, transB: true, m: T, n: m, k: D, alpha: 1,
                                                                    a: gp.baseAddress! + base, lda: C, b: vp.baseAddress! + base, ldb: C,
                                                                    beta: 0, c: d, ldc: m)
                                                        Self.softmaxBackwardInPlace(d, probabilities: p, rows: T, columns: m)
                                                        // dQ = scale dS K  [T, D];  dK = scale dS^T Q  [n, D]
                                                        Scalar.gemm(transA: false, transB: false, m: T, n: D, k: m, alpha: scale,
                                                                    a: d, lda: m, b: kp.baseAddress! + base, ldb: C,
                                                                    beta: 0, c: dqp.baseAddress! + base, ldc: C)
                                                        Scalar.gemm(transA: true, transB: false, m: m, n: D, k: T, alpha: scale,
                                                                    a: d, lda: m, b: qp.baseAddress! + base, ldb: C,
                                                                    beta: 0, c: dkp.baseAddress! + base, ldc: C)
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if q.requiresGrad { q.accumulate(dq) }
            if k.requiresGrad { k.accumulate(dk) }
            if v.requiresGrad { v.accumulate(dv) }
        }
    }

    /// Row-wise stable softmax of a [rows, columns] block in place.
    static func softmaxInPlace(_ x: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int) {
        if Scalar.self == Float.self {
            // Float: the exponentials through the SIMD8 exp (VectorMath.swift).
            let f = UnsafeMutableRawPointer(x).assumingMemoryBound(to: Float.self)
            for r in 0..<rows {
                let row = f + r * columns
                var m = -Float.infinity
                for j in 0..<columns { m = Swift.max(m, row[j]) }
                for j in 0..<columns { row[j] -= m }
                vectorExpInPlace(row, count: columns)
                var s: Float = 0
                for j in 0..<columns { s += row[j] }
                let inv = 1 / s
                for j in 0..<columns { row[j] *= inv }
            }
            return
        }
        for r in 0..<rows {
            let row = x + r * columns
            var m = -Scalar.infinity
            for j in 0..<columns { m = Swift.max(m, row[j]) }
            var s: Scalar = 0
            for j in 0..<columns { let e = Scalar.exp(row[j] - m); row[j] = e; s += e }
            let inv = 1 / s
            for j in 0..<columns { row[j] *= inv }
        }
    }

    /// dS = P * (dP - rowsum(dP * P)) in place over dP, for a [rows, columns] block.
    static func softmaxBackwardInPlace(_ d: UnsafeMutablePointer<Scalar>, probabilities p: UnsafePointer<Scalar>,
                                       rows: Int, columns: Int) {
        for r in 0..<rows {
            let dr = d + r * columns, pr = p + r * columns
            var dot: Scalar = 0
            for j in 0..<columns { dot += dr[j] * pr[j] }
            for j in 0..<columns { dr[j] = pr[j] * (dr[j] - dot) }
        }
    }
}
