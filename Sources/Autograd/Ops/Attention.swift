import TensorCore

// Fused multi-head scaled dot-product attention over a padded batch (Vaswani et al. 2017; the
// attention core of transformers' BertSelfAttention), working on the projections' own layout:
// q [B, Tq, C], k, v [B, T, C] with head h in columns h*D..<(h+1)*D (C = H * D), so no head
// permutes are copied. Tq = T normally; Tq < T when only the first Tq positions' outputs are
// needed (the encoder's last layer under a first-token classifier). For sample b with
// n = lengths[b] valid keys and head h:
//   S = scale * Q_bh K_bh^T      [Tq, n]  (only the n valid keys: no work on padded keys)
//   P = softmax_rows(S)          [Tq, n]  (kept for backward)
//   O_bh = P V_bh                [Tq, D]  (written in place into out [B, Tq, C])
// Padded query rows are computed too (over the valid keys), as transformers computes them, so
// every row equals the unfused masked version (masked keys there get exp(-huge) = 0 exactly).
// The packed form (PackedRows: sequences back to back, no padded rows) runs the same blocks on
// each sample's own query and key rows, so it computes no padded query at all.
// Backward, with G_bh the output gradient:
//   dV_bh = P^T G_bh,  dP = G_bh V_bh^T,  dS = P * (dP - rowsum(dP * P)),
//   dQ_bh = scale * dS K_bh,  dK_bh = scale * dS^T Q_bh   (padded keys get zero gradient);
// each only when its input requires a gradient (the first layer's keys do not).
// Work order. Under the exact product (issue 31), whose bits do not depend on its thread count,
// the (b, h) blocks run side by side: each of the run's threads takes a contiguous share of the
// blocks (balanced by their sizes) and does all of a block's work in turn (products on its own
// thread, softmax between them, the block still in cache). One head's products are small
// (256 x 256 x 32) and split badly between threads, so this is where the side-by-side order
// pays (issue 29, point 1). Under OpenBLAS, which rounds differently with one and two threads,
// every product keeps the run's thread count: all (b, h) products of a phase, then the softmax
// (or its backward) of every block split among the BLAS threads (RowParallel), then the next
// products. Either way each product and each row's softmax is the same computation as one
// block at a time, so the order does not change a bit (RowParallelKernelTests).

extension Tape {
    /// Attention context [B, Tq, C] of q [B, Tq, C], k, v [B, T, C] with `heads` heads;
    /// `lengths[b]` valid keys.
    /// `blockWorkers`: threads for blocks side by side (nil: the exact product's thread count;
    /// 1, or any product other than the exact one, keeps the phase order). Speed only.
    public func attention(query q: Variable<Scalar>, key k: Variable<Scalar>, value v: Variable<Scalar>,
                          heads H: Int, lengths: [Int], scale: Scalar, blockWorkers: Int? = nil) -> Variable<Scalar> {
        let B = k.shape[0], T = k.shape[1], C = k.shape[2], Tq = q.shape[1]
        precondition(q.shape.count == 3 && q.shape[0] == B && q.shape[2] == C && Tq <= T && k.shape == v.shape
                     && C % H == 0 && lengths.count == B,
                     "attention needs q [B, Tq, C], k, v [B, T, C] with Tq <= T, C divisible by heads and B lengths")
        let n = lengths.map { Swift.min(Swift.max($0, 0), T) }
        return attention(query: q, key: k, value: v, heads: H, queryRowRanges: (0..<B).map { ($0 * Tq)..<(($0 + 1) * Tq) },
                         keyRowRanges: (0..<B).map { ($0 * T)..<($0 * T + n[$0]) }, scale: scale, blockWorkers: blockWorkers)
    }

    /// The same on packed sequences (PackedRows): q [queryRows.rows, C], k, v [keyRows.rows, C];
    /// sample b's queries are its queryRows and its keys its keyRows (every key valid). No
    /// padded row is computed, and each valid row's output and gradients are the padded op's.
    public func attention(query q: Variable<Scalar>, key k: Variable<Scalar>, value v: Variable<Scalar>, heads H: Int,
                          queryRows: PackedRows, keyRows: PackedRows, scale: Scalar, blockWorkers: Int? = nil) -> Variable<Scalar> {
        precondition(q.shape.count == 2 && q.shape[0] == queryRows.rows && k.shape.count == 2 && k.shape[0] == keyRows.rows
                     && k.shape == v.shape && q.shape[1] == k.shape[1] && queryRows.samples == keyRows.samples,
                     "packed attention needs q [\(queryRows.rows), C], k, v [\(keyRows.rows), C]")
        return attention(query: q, key: k, value: v, heads: H, queryRowRanges: (0..<queryRows.samples).map { queryRows.range($0) },
                         keyRowRanges: (0..<keyRows.samples).map { keyRows.range($0) }, scale: scale, blockWorkers: blockWorkers)
    }

    /// The core of both: q viewed as rows [Rq, C], k and v as rows [Rk, C]; sample b attends
    /// from its query rows `queryRows[b]` to its key rows `keyRows[b]`. The output has q's shape
    /// (rows outside every range stay zero); rows of k and v outside every range get zero
    /// gradient.
    /// NOTE (speed): no key paths here or in the two calls above. A body with a key path
    /// literal was not serialised for cross-module optimisation, so clients called the generic
    /// body, which moves every element through value witnesses (the encoder's train step 2.2x
    /// slower).
    public func attention(query q: Variable<Scalar>, key k: Variable<Scalar>, value v: Variable<Scalar>, heads H: Int,
                          queryRowRanges queryRows: [Range<Int>], keyRowRanges keyRows: [Range<Int>], scale: Scalar,
                          blockWorkers: Int?) -> Variable<Scalar> {
        let C = k.shape.last!, D = C / H, B = queryRows.count
        precondition(C % H == 0 && q.shape.last == C && keyRows.count == B, "attention: C must divide into heads, one key range per sample")
        let mq = queryRows.map { $0.count }, n = keyRows.map { $0.count }
        let qStart = queryRows.map { $0.lowerBound }, kStart = keyRows.map { $0.lowerBound }
        // P of every (b, h) back to back: [mq_b, n_b] blocks, offset[b * H + h].
        var offsets = [Int](repeating: 0, count: B * H + 1)
        for b in 0..<B { for h in 0..<H { offsets[b * H + h + 1] = offsets[b * H + h] + mq[b] * n[b] } }
        let blockWidth = offsets[B * H] / Swift.max(1, B * H)           // mean elements of a block
        var probabilities = [Scalar](repeating: 0, count: offsets[B * H])
        var out = Tensor<Scalar>(zeros: q.shape)
        let workers = BlockProduct.sideBySideWorkers(for: Scalar.self, requested: blockWorkers)
        let valid = (0..<(B * H)).filter { n[$0 / H] > 0 && mq[$0 / H] > 0 }   // blocks with keys and queries
        q.value.scalars.withUnsafeBufferPointer { qp in
            k.value.scalars.withUnsafeBufferPointer { kp in
                v.value.scalars.withUnsafeBufferPointer { vp in
                    probabilities.withUnsafeMutableBufferPointer { pp in
                        out.scalars.withUnsafeMutableBufferPointer { op in
                            // S = scale Q K^T, softmax, O = P V of block bh = b * H + h.
                            func scores(_ bh: Int, _ product: BlockProduct) {
                                let (b, h) = bh.quotientAndRemainder(dividingBy: H)
                                product.gemm(transA: false, transB: true, m: mq[b], n: n[b], k: D, alpha: scale,
                                             a: qp.baseAddress! + qStart[b] * C + h * D, lda: C,
                                             b: kp.baseAddress! + kStart[b] * C + h * D, ldb: C,
                                             beta: 0, c: pp.baseAddress! + offsets[bh], ldc: n[b])
                            }
                            func softmax(_ bh: Int) { Self.softmaxInPlace(pp.baseAddress! + offsets[bh], rows: mq[bh / H], columns: n[bh / H]) }
                            func context(_ bh: Int, _ product: BlockProduct) {
                                let (b, h) = bh.quotientAndRemainder(dividingBy: H)
                                product.gemm(transA: false, transB: false, m: mq[b], n: D, k: n[b], alpha: 1,
                                             a: pp.baseAddress! + offsets[bh], lda: n[b],
                                             b: vp.baseAddress! + kStart[b] * C + h * D, ldb: C,
                                             beta: 0, c: op.baseAddress! + qStart[b] * C + h * D, ldc: C)
                            }
                            if workers > 1 {
                                RowParallel.forEach(blocks: valid, offsets: offsets, workers: workers) { bh in
                                    scores(bh, .callingThread); softmax(bh); context(bh, .callingThread)
                                }
                            } else {
                                for bh in valid { scores(bh, .shared) }
                                RowParallel.forEach(rows: B * H, rowWidth: blockWidth) { blocks in
                                    for bh in blocks where n[bh / H] > 0 && mq[bh / H] > 0 { softmax(bh) }
                                }
                                for bh in valid { context(bh, .shared) }
                            }
                        }
                    }
                }
            }
        }
        return record(out, inputs: [q, k, v]) { g in
            let needScores = q.requiresGrad || k.requiresGrad
            var dq = Tensor<Scalar>(zeros: q.requiresGrad ? q.shape : [0])
            var dk = Tensor<Scalar>(zeros: k.requiresGrad ? k.shape : [0])
            var dv = Tensor<Scalar>(zeros: v.requiresGrad ? v.shape : [0])
            var dp = [Scalar](repeating: 0, count: needScores ? offsets[B * H] : 0)   // dP, then dS, of every block
            g.scalars.withUnsafeBufferPointer { gp in
                q.value.scalars.withUnsafeBufferPointer { qp in
                    k.value.scalars.withUnsafeBufferPointer { kp in
                        v.value.scalars.withUnsafeBufferPointer { vp in
                            probabilities.withUnsafeBufferPointer { pp in
                                dq.scalars.withUnsafeMutableBufferPointer { dqp in
                                    dk.scalars.withUnsafeMutableBufferPointer { dkp in
                                        dv.scalars.withUnsafeMutableBufferPointer { dvp in
                                            dp.withUnsafeMutableBufferPointer { dpp in
                                                // dV = P^T G and dP = G V^T of block bh.
                                                func valueAndScoreGradients(_ bh: Int, _ product: BlockProduct) {
                                                    let (b, h) = bh.quotientAndRemainder(dividingBy: H)
                                                    let qo = qStart[b] * C + h * D, ko = kStart[b] * C + h * D, m = n[b], rq = mq[b]
                                                    if v.requiresGrad {       // dV = P^T G  [n, D]
                                                        product.gemm(transA: true, transB: false, m: m, n: D, k: rq, alpha: 1,
                                                                     a: pp.baseAddress! + offsets[bh], lda: m, b: gp.baseAddress! + qo, ldb: C,
                                                                     beta: 0, c: dvp.baseAddress! + ko, ldc: C)
                                                    }
                                                    if needScores {           // dP = G V^T  [mq, n]
                                                        product.gemm(transA: false, transB: true, m: rq, n: m, k: D, alpha: 1,
                                                                     a: gp.baseAddress! + qo, lda: C, b: vp.baseAddress! + ko, ldb: C,
                                                                     beta: 0, c: dpp.baseAddress! + offsets[bh], ldc: m)
                                                    }
                                                }
                                                func softmaxBackward(_ bh: Int) {
                                                    Self.softmaxBackwardInPlace(dpp.baseAddress! + offsets[bh], probabilities: pp.baseAddress! + offsets[bh],
                                                                                rows: mq[bh / H], columns: n[bh / H])
                                                }
                                                // dQ = scale dS K and dK = scale dS^T Q of block bh.
                                                func queryAndKeyGradients(_ bh: Int, _ product: BlockProduct) {
                                                    let (b, h) = bh.quotientAndRemainder(dividingBy: H)
                                                    let qo = qStart[b] * C + h * D, ko = kStart[b] * C + h * D, m = n[b], rq = mq[b]
                                                    let d = dpp.baseAddress! + offsets[bh]
                                                    if q.requiresGrad {       // dQ = scale dS K  [mq, D]
                                                        product.gemm(transA: false, transB: false, m: rq, n: D, k: m, alpha: scale,
                                                                     a: d, lda: m, b: kp.baseAddress! + ko, ldb: C,
                                                                     beta: 0, c: dqp.baseAddress! + qo, ldc: C)
                                                    }
                                                    if k.requiresGrad {       // dK = scale dS^T Q  [n, D]
                                                        product.gemm(transA: true, transB: false, m: m, n: D, k: rq, alpha: scale,
                                                                     a: d, lda: m, b: qp.baseAddress! + qo, ldb: C,
                                                                     beta: 0, c: dkp.baseAddress! + ko, ldc: C)
                                                    }
                                                }
                                                if workers > 1 {
                                                    RowParallel.forEach(blocks: valid, offsets: offsets, workers: workers) { bh in
                                                        valueAndScoreGradients(bh, .callingThread)
                                                        guard needScores else { return }
                                                        softmaxBackward(bh)
                                                        queryAndKeyGradients(bh, .callingThread)
                                                    }
                                                    return
                                                }
                                                for bh in valid { valueAndScoreGradients(bh, .shared) }
                                                guard needScores else { return }
                                                RowParallel.forEach(rows: B * H, rowWidth: blockWidth) { blocks in
                                                    for bh in blocks where n[bh / H] > 0 && mq[bh / H] > 0 { softmaxBackward(bh) }
                                                }
                                                for bh in valid { queryAndKeyGradients(bh, .shared) }
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
    /// NOTE (speed, same bits): each row's max and sum are sequential left-to-right chains (the
    /// sum's order fixes its rounding), and a single chain waits on the adder's latency for every
    /// element. Eight rows at a time run eight independent chains side by side: each row still
    /// adds in the same order, so the results equal the one-row-at-a-time loop bit for bit, at
    /// several times the speed (it was most of the attention's time in a MiniLM pass).
    static func softmaxInPlace(_ x: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int) {
        if Scalar.self == Float.self {
            // Float: the exponentials through the SIMD8 exp (VectorMath.swift).
            let f = UnsafeMutableRawPointer(x).assumingMemoryBound(to: Float.self)
            var r = 0
            while r + 8 <= rows {
                let g = f + r * columns
                let maxima = rowMaxima8(g, columns: columns)
                for k in 0..<8 {
                    let row = g + k * columns, m = maxima[k]
                    for j in 0..<columns { row[j] -= m }
                    vectorExpInPlace(row, count: columns)
                }
                let sums = rowSums8(g, columns: columns)
                for k in 0..<8 {
                    let row = g + k * columns, inv = 1 / sums[k]
                    for j in 0..<columns { row[j] *= inv }
                }
                r += 8
            }
            for r in r..<rows {
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

    /// max over each of 8 consecutive rows, each a sequential chain (see softmaxInPlace).
    @inline(__always)
    static func rowMaxima8(_ g: UnsafeMutablePointer<Float>, columns: Int) -> SIMD8<Float> {
        let (r0, r1, r2, r3) = (g, g + columns, g + 2 * columns, g + 3 * columns)
        let (r4, r5, r6, r7) = (g + 4 * columns, g + 5 * columns, g + 6 * columns, g + 7 * columns)
        var (m0, m1, m2, m3) = (-Float.infinity, -Float.infinity, -Float.infinity, -Float.infinity)
        var (m4, m5, m6, m7) = (-Float.infinity, -Float.infinity, -Float.infinity, -Float.infinity)
        for j in 0..<columns {
            m0 = Swift.max(m0, r0[j]); m1 = Swift.max(m1, r1[j]); m2 = Swift.max(m2, r2[j]); m3 = Swift.max(m3, r3[j])
            m4 = Swift.max(m4, r4[j]); m5 = Swift.max(m5, r5[j]); m6 = Swift.max(m6, r6[j]); m7 = Swift.max(m7, r7[j])
        }
        return SIMD8(m0, m1, m2, m3, m4, m5, m6, m7)
    }

    /// The left-to-right sum of each of 8 consecutive rows (see softmaxInPlace).
    @inline(__always)
    static func rowSums8(_ g: UnsafeMutablePointer<Float>, columns: Int) -> SIMD8<Float> {
        let (r0, r1, r2, r3) = (g, g + columns, g + 2 * columns, g + 3 * columns)
        let (r4, r5, r6, r7) = (g + 4 * columns, g + 5 * columns, g + 6 * columns, g + 7 * columns)
        var (s0, s1, s2, s3): (Float, Float, Float, Float) = (0, 0, 0, 0)
        var (s4, s5, s6, s7): (Float, Float, Float, Float) = (0, 0, 0, 0)
        for j in 0..<columns {
            s0 += r0[j]; s1 += r1[j]; s2 += r2[j]; s3 += r3[j]
            s4 += r4[j]; s5 += r5[j]; s6 += r6[j]; s7 += r7[j]
        }
        return SIMD8(s0, s1, s2, s3, s4, s5, s6, s7)
    }

    /// dS = P * (dP - rowsum(dP * P)) in place over dP, for a [rows, columns] block. The row
    /// dot products run four rows side by side, each in its own left-to-right order (same bits
    /// as one row at a time; see softmaxInPlace).
    static func softmaxBackwardInPlace(_ d: UnsafeMutablePointer<Scalar>, probabilities p: UnsafePointer<Scalar>,
                                       rows: Int, columns: Int) {
        var r = 0
        while r + 4 <= rows {
            let (d0, d1, d2, d3) = (d + r * columns, d + (r + 1) * columns, d + (r + 2) * columns, d + (r + 3) * columns)
            let (p0, p1, p2, p3) = (p + r * columns, p + (r + 1) * columns, p + (r + 2) * columns, p + (r + 3) * columns)
            var (t0, t1, t2, t3): (Scalar, Scalar, Scalar, Scalar) = (0, 0, 0, 0)
            for j in 0..<columns {
                t0 += d0[j] * p0[j]; t1 += d1[j] * p1[j]; t2 += d2[j] * p2[j]; t3 += d3[j] * p3[j]
            }
            for j in 0..<columns { d0[j] = p0[j] * (d0[j] - t0) }
            for j in 0..<columns { d1[j] = p1[j] * (d1[j] - t1) }
            for j in 0..<columns { d2[j] = p2[j] * (d2[j] - t2) }
            for j in 0..<columns { d3[j] = p3[j] * (d3[j] - t3) }
            r += 4
        }
        for r in r..<rows {
            let dr = d + r * columns, pr = p + r * columns
            var dot: Scalar = 0
            for j in 0..<columns { dot += dr[j] * pr[j] }
            for j in 0..<columns { dr[j] = pr[j] * (dr[j] - dot) }
        }
    }
}
