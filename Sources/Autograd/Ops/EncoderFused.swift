import TensorCore

// Fused ops for transformer encoders: each replaces a chain of primitive ops with one pass and
// one output allocation, and skips every gradient a frozen input does not need. Each equals its
// primitive composition (checked in Tests/TextModelsTests/EncoderFusedOpTests.swift in Double,
// with finite differences):
//   linear(x, W, b)               = matmul(x, W, transposeWeight: true) + b
//   addLayerNorm(x, r, gamma, beta) = layerNorm(x + r, gamma, beta, eps)   (post-LN residual)
//   geluErf(x)                    = gelu(x) = x Phi(x), keeping Phi(x) for backward so backward
//                                   needs one exp per element instead of erf and exp.

extension Tape {
    /// x [..., K] W^T + b, W [N, K] (PyTorch's Linear layout), b [N] optional. The output rows
    /// start as copies of b and the GEMM accumulates into them (beta 1): no broadcast pass.
    /// Backward: dx = g W; dW = g^T x and db = column sums of g only when they require grad.
    public func linear(_ x: Variable<Scalar>, weight w: Variable<Scalar>, bias: Variable<Scalar>?) -> Variable<Scalar> {
        let K = w.shape[1], N = w.shape[0]
        precondition(x.shape.last == K, "linear: input \(x.shape) does not end in \(K)")
        let rows = x.value.count / K
        var shape = x.shape
        shape[shape.count - 1] = N
        var out = Tensor<Scalar>(uninitialized: shape)             // rows of b, or the beta-0 product, write it all
        out.scalars.withUnsafeMutableBufferPointer { o in
            if let bias {
                bias.value.scalars.withUnsafeBufferPointer { bp in
                    for r in 0..<rows { (o.baseAddress! + r * N).update(from: bp.baseAddress!, count: N) }
                }
            }
            x.value.scalars.withUnsafeBufferPointer { xp in
                w.value.scalars.withUnsafeBufferPointer { wp in
                    Scalar.gemm(transA: false, transB: true, m: rows, n: N, k: K, alpha: 1, a: xp.baseAddress!, lda: K,
                                b: wp.baseAddress!, ldb: K, beta: bias == nil ? 0 : 1, c: o.baseAddress!, ldc: N)
                }
            }
        }
        return record(out, inputs: bias.map { [x, w, $0] } ?? [x, w]) { g in
            if x.requiresGrad {
                var dx = Tensor<Scalar>(uninitialized: x.shape)       // written by the beta-0 product
                g.scalars.withUnsafeBufferPointer { gp in
                    w.value.scalars.withUnsafeBufferPointer { wp in
                        dx.scalars.withUnsafeMutableBufferPointer { d in
                            Scalar.gemm(transA: false, transB: false, m: rows, n: K, k: N, alpha: 1, a: gp.baseAddress!, lda: N,
                                        b: wp.baseAddress!, ldb: K, beta: 0, c: d.baseAddress!, ldc: K)
                        }
                    }
                }
                x.accumulate(dx)
            }
            if w.requiresGrad {
                var dw = Tensor<Scalar>(uninitialized: w.shape)       // written by the beta-0 product
                g.scalars.withUnsafeBufferPointer { gp in
                    x.value.scalars.withUnsafeBufferPointer { xp in
                        dw.scalars.withUnsafeMutableBufferPointer { d in
                            Scalar.gemm(transA: true, transB: false, m: N, n: K, k: rows, alpha: 1, a: gp.baseAddress!, lda: N,
                                        b: xp.baseAddress!, ldb: K, beta: 0, c: d.baseAddress!, ldc: K)
                        }
                    }
                }
                w.accumulate(dw)
            }
            if let bias, bias.requiresGrad {
                var db = [Scalar](repeating: 0, count: N)
                g.scalars.withUnsafeBufferPointer { gp in
                    for r in 0..<rows { for j in 0..<N { db[j] += gp[r * N + j] } }
                }
                bias.accumulate(Tensor(shape: [N], scalars: db))
            }
        }
    }

    /// LayerNorm(x + r) over the last axis (biased variance, eps inside the square root, as
    /// torch.nn.LayerNorm). Backward with xhat and 1/sigma kept per row:
    ///   dxhat = g gamma;  d(x+r) = (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) / sigma,
    ///   dgamma = sum(g xhat), dbeta = sum(g) over rows, only when they require grad.
    public func addLayerNorm(_ x: Variable<Scalar>, _ r: Variable<Scalar>, gamma: Variable<Scalar>, beta: Variable<Scalar>,
                             eps: Scalar) -> Variable<Scalar> {
        precondition(x.shape == r.shape, "addLayerNorm: \(x.shape) and \(r.shape) differ")
        let C = x.shape.last ?? 1, rows = x.value.count / C
        var xhat = Tensor<Scalar>(zeros: x.shape)
        var inverse = [Scalar](repeating: 0, count: rows)
        var out = Tensor<Scalar>(zeros: x.shape)
        x.value.scalars.withUnsafeBufferPointer { xp in
            r.value.scalars.withUnsafeBufferPointer { rp in
                gamma.value.scalars.withUnsafeBufferPointer { gp in
                    beta.value.scalars.withUnsafeBufferPointer { bp in
                        xhat.scalars.withUnsafeMutableBufferPointer { hp in
                            out.scalars.withUnsafeMutableBufferPointer { op in
                              inverse.withUnsafeMutableBufferPointer { inverse in
                               RowParallel.forEach(rows: rows, rowWidth: C) { chunk in
                                for row in chunk {
                                    let o = row * C
                                    var mean: Scalar = 0
                                    for j in 0..<C { let s = xp[o + j] + rp[o + j]; hp[o + j] = s; mean += s }
                                    mean /= Scalar(C)
                                    var variance: Scalar = 0
                                    for j in 0..<C { let d = hp[o + j] - mean; hp[o + j] = d; variance += d * d }
                                    let inv = 1 / (variance / Scalar(C) + eps).squareRoot()
                                    inverse[row] = inv
                                    for j in 0..<C {
                                        let h = hp[o + j] * inv
                                        hp[o + j] = h
                                        op[o + j] = h * gp[j] + bp[j]
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
        return record(out, inputs: [x, r, gamma, beta]) { g in
            if x.requiresGrad || r.requiresGrad {
                var dx = Tensor<Scalar>(zeros: x.shape)
                g.scalars.withUnsafeBufferPointer { gp in
                    gamma.value.scalars.withUnsafeBufferPointer { wp in
                        xhat.scalars.withUnsafeBufferPointer { hp in
                            dx.scalars.withUnsafeMutableBufferPointer { d in
                               RowParallel.forEach(rows: rows, rowWidth: C) { chunk in
                                for row in chunk {
                                    let o = row * C
                                    var meanD: Scalar = 0, meanDH: Scalar = 0
                                    for j in 0..<C {
                                        let dh = gp[o + j] * wp[j]
                                        d[o + j] = dh
                                        meanD += dh
                                        meanDH += dh * hp[o + j]
                                    }
                                    meanD /= Scalar(C)
                                    meanDH /= Scalar(C)
                                    let inv = inverse[row]
                                    for j in 0..<C { d[o + j] = (d[o + j] - meanD - hp[o + j] * meanDH) * inv }
                                }
                               }
                            }
                        }
                    }
                }
                if x.requiresGrad { x.accumulate(dx) }
                if r.requiresGrad { r.accumulate(dx) }
            }
            if gamma.requiresGrad || beta.requiresGrad {
                var dgamma = [Scalar](repeating: 0, count: C), dbeta = [Scalar](repeating: 0, count: C)
                for row in 0..<rows {
                    for j in 0..<C {
                        dgamma[j] += g.scalars[row * C + j] * xhat.scalars[row * C + j]
                        dbeta[j] += g.scalars[row * C + j]
                    }
                }
                if gamma.requiresGrad { gamma.accumulate(Tensor(shape: [C], scalars: dgamma)) }
                if beta.requiresGrad { beta.accumulate(Tensor(shape: [C], scalars: dbeta)) }
            }
        }
    }

    /// GELU with erf (transformers' "gelu"): x Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2, kept
    /// for backward: d/dx = Phi(x) + x phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi).
    public func geluErf(_ x: Variable<Scalar>) -> Variable<Scalar> {
        let invSqrt2 = 1 / Scalar(2).squareRoot()
        var phi = x.value
        var out = x.value
        if Scalar.self == Float.self {
            // Float: SIMD8 erf (VectorMath.swift, absolute error below 6e-7).
            phi.scalars.withUnsafeMutableBufferPointer { pp in
                out.scalars.withUnsafeMutableBufferPointer { op in
                    let p = UnsafeMutableRawPointer(pp.baseAddress!).assumingMemoryBound(to: Float.self)
                    let o = UnsafeMutableRawPointer(op.baseAddress!).assumingMemoryBound(to: Float.self)
                    let count = pp.count
                    // Blocks of 8 lanes split among the workers (lanes are independent: same bits).
                    RowParallel.forEach(rows: (count + 7) / 8, rowWidth: 8) { blocks in
                        for block in blocks {
                            let i = block * 8
                            if i + 8 <= count {
                                let v = UnsafeRawPointer(o + i).loadUnaligned(as: SIMD8<Float>.self)
                                let c = (1 + vectorErf(v * 0.70710678118654752)) * 0.5
                                UnsafeMutableRawPointer(p + i).storeBytes(of: c, as: SIMD8<Float>.self)
                                UnsafeMutableRawPointer(o + i).storeBytes(of: v * c, as: SIMD8<Float>.self)
                            } else {                                     // the tail in a padded vector
                                var v = SIMD8<Float>(repeating: 0)
                                for j in 0..<(count - i) { v[j] = o[i + j] }
                                let c = (1 + vectorErf(v * 0.70710678118654752)) * 0.5
                                for j in 0..<(count - i) { p[i + j] = c[j]; o[i + j] = v[j] * c[j] }
                            }
                        }
                    }
                }
            }
        } else {
        phi.scalars.withUnsafeMutableBufferPointer { p in
            out.scalars.withUnsafeMutableBufferPointer { o in
                for i in 0..<p.count {
                    let v = o[i]
                    let c = Scalar(0.5) * (1 + Scalar.erf(v * invSqrt2))
                    p[i] = c
                    o[i] = v * c
                }
            }
        }
        }
        return record(out, inputs: [x]) { g in
            let invSqrt2Pi = 1 / (2 * Scalar.pi).squareRoot()
            var dx = g
            dx.scalars.withUnsafeMutableBufferPointer { d in
                x.value.scalars.withUnsafeBufferPointer { xp in
                    phi.scalars.withUnsafeBufferPointer { p in
                        if Scalar.self == Float.self {
                            let df = UnsafeMutableRawPointer(d.baseAddress!).assumingMemoryBound(to: Float.self)
                            let xf = UnsafeRawPointer(xp.baseAddress!).assumingMemoryBound(to: Float.self)
                            let pf = UnsafeRawPointer(p.baseAddress!).assumingMemoryBound(to: Float.self)
                            let count = d.count
                            RowParallel.forEach(rows: (count + 7) / 8, rowWidth: 8) { blocks in
                                for block in blocks {
                                    let i = block * 8
                                    if i + 8 <= count {
                                        let v = UnsafeRawPointer(xf + i).loadUnaligned(as: SIMD8<Float>.self)
                                        let c = UnsafeRawPointer(pf + i).loadUnaligned(as: SIMD8<Float>.self)
                                        let gv = UnsafeRawPointer(df + i).loadUnaligned(as: SIMD8<Float>.self)
                                        let r = gv * (c + v * 0.39894228040143268 * vectorExp(-0.5 * v * v))
                                        UnsafeMutableRawPointer(df + i).storeBytes(of: r, as: SIMD8<Float>.self)
                                    } else {                             // the tail in padded vectors
                                        var v = SIMD8<Float>(repeating: 0), c = v, gv = v
                                        for j in 0..<(count - i) { v[j] = xf[i + j]; c[j] = pf[i + j]; gv[j] = df[i + j] }
                                        let r = gv * (c + v * 0.39894228040143268 * vectorExp(-0.5 * v * v))
                                        for j in 0..<(count - i) { df[i + j] = r[j] }
                                    }
                                }
                            }
                            return
                        }
                        for i in 0..<d.count {
                            let v = xp[i]
                            d[i] *= p[i] + v * invSqrt2Pi * Scalar.exp(Scalar(-0.5) * v * v)
                        }
                    }
                }
            }
            x.accumulate(dx)
        }
    }
}
