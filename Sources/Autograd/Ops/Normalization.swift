import TensorCore

/// Running statistics of a batch norm layer (PyTorch's running_mean, running_var,
/// num_batches_tracked), updated in training mode.
public final class BatchNormStatistics<Scalar: TensorScalar> {
    public var runningMean: Tensor<Scalar>
    public var runningVar: Tensor<Scalar>
    public var batchesTracked: Int
    public let momentum: Scalar

    public init(channels: Int, momentum: Scalar = 0.1) {
        runningMean = Tensor(zeros: [channels])
        runningVar = Tensor(repeating: 1, shape: [channels])
        batchesTracked = 0
        self.momentum = momentum
    }
}

extension Tape {
    /// Layer normalisation over the last axis (biased variance, as PyTorch):
    /// y = (x - mean) / sqrt(var + eps) * gamma + beta.
    public func layerNorm(_ x: Variable<Scalar>, gamma: Variable<Scalar>, beta: Variable<Scalar>, eps: Scalar) -> Variable<Scalar> {
        let c = x.value.shape.last ?? 1
        let rows = x.value.count / Swift.max(c, 1)
        var xhat = x.value
        var rstd = [Scalar](repeating: 0, count: rows)
        xhat.scalars.withUnsafeMutableBufferPointer { h in
            for r in 0..<rows {
                let base = r * c
                var mean: Scalar = 0
                for j in 0..<c { mean += h[base + j] }
                mean /= Scalar(c)
                var v: Scalar = 0
                for j in 0..<c { let d = h[base + j] - mean; v += d * d }
                let rs = 1 / (v / Scalar(c) + eps).squareRoot()
                rstd[r] = rs
                for j in 0..<c { h[base + j] = (h[base + j] - mean) * rs }
            }
        }
        let out = xhat.broadcastZip(gamma.value, *).broadcastZip(beta.value, +)
        return record(out, inputs: [x, gamma, beta]) { g in
            if gamma.requiresGrad { gamma.accumulate(g.zip(xhat, *).sumReduced(to: [c])) }
            if beta.requiresGrad { beta.accumulate(g.sumReduced(to: [c])) }
            guard x.requiresGrad else { return }
            // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = g * gamma.
            var dx = g.broadcastZip(gamma.value, *)
            dx.scalars.withUnsafeMutableBufferPointer { d in
                xhat.scalars.withUnsafeBufferPointer { h in
                    for r in 0..<rows {
                        let base = r * c
                        var m1: Scalar = 0, m2: Scalar = 0
                        for j in 0..<c { m1 += d[base + j]; m2 += d[base + j] * h[base + j] }
                        m1 /= Scalar(c); m2 /= Scalar(c)
                        for j in 0..<c { d[base + j] = rstd[r] * (d[base + j] - m1 - h[base + j] * m2) }
                    }
                }
            }
            x.accumulate(dx)
        }
    }

    /// Batch normalisation of x [N, C] over N per channel (PyTorch BatchNorm1d). Training tapes use
    /// the batch's biased variance and update the running statistics with the unbiased one;
    /// evaluation tapes use the running statistics.
    /// NOTE (speed, same bits): the audio branch normalises every frame of a batch (N ~ 150,000
    /// rows of 384), so the passes run on raw pointers and on the pinned BLAS threads: per-channel
    /// sums split by channels (each channel still adds its rows in order), element-wise passes
    /// split by rows (RowParallel) — the same arithmetic in the same order as the plain loops.
    public func batchNorm(_ x: Variable<Scalar>, gamma: Variable<Scalar>, beta: Variable<Scalar>,
                          statistics: BatchNormStatistics<Scalar>, eps: Scalar = 1e-5) -> Variable<Scalar> {
        precondition(x.value.rank == 2, "batchNorm takes [N, C], got \(x.value.shape)")
        let n = x.value.shape[0], c = x.value.shape[1]
        var mean = [Scalar](repeating: 0, count: c)
        var variance = [Scalar](repeating: 0, count: c)
        if isTraining {
            precondition(n > 1, "batchNorm in training needs more than one row per channel")
            x.value.scalars.withUnsafeBufferPointer { xp in
                mean.withUnsafeMutableBufferPointer { mp in
                    variance.withUnsafeMutableBufferPointer { vp in
                        RowParallel.forEach(rows: c, rowWidth: n) { channels in
                            for r in 0..<n { let row = xp.baseAddress! + r * c; for j in channels { mp[j] += row[j] } }
                            for j in channels { mp[j] /= Scalar(n) }
                            for r in 0..<n {
                                let row = xp.baseAddress! + r * c
                                for j in channels { let d = row[j] - mp[j]; vp[j] += d * d }
                            }
                        }
                    }
                }
            }
            let m = statistics.momentum
            for j in 0..<c {
                let unbiased = variance[j] / Scalar(n - 1)
                variance[j] /= Scalar(n)
                statistics.runningMean.scalars[j] = (1 - m) * statistics.runningMean.scalars[j] + m * mean[j]
                statistics.runningVar.scalars[j] = (1 - m) * statistics.runningVar.scalars[j] + m * unbiased
            }
            statistics.batchesTracked += 1
        } else {
            mean = statistics.runningMean.scalars
            variance = statistics.runningVar.scalars
        }
        let rstd = variance.map { 1 / ($0 + eps).squareRoot() }
        var xhat = Tensor<Scalar>(zeros: x.shape), out = Tensor<Scalar>(zeros: x.shape)
        x.value.scalars.withUnsafeBufferPointer { xp in
            xhat.scalars.withUnsafeMutableBufferPointer { hp in
                out.scalars.withUnsafeMutableBufferPointer { op in
                    gamma.value.scalars.withUnsafeBufferPointer { gm in
                        beta.value.scalars.withUnsafeBufferPointer { bt in
                            RowParallel.forEach(rows: n, rowWidth: c) { rows in
                                for r in rows {
                                    let o = r * c
                                    for j in 0..<c {
                                        let h = (xp[o + j] - mean[j]) * rstd[j]
                                        hp[o + j] = h
                                        let scaled = h * gm[j]
                                        op[o + j] = scaled + bt[j]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let training = isTraining
        return record(out, inputs: [x, gamma, beta]) { g in
            if gamma.requiresGrad || beta.requiresGrad {
                var dgamma = [Scalar](repeating: 0, count: c), dbeta = [Scalar](repeating: 0, count: c)
                g.scalars.withUnsafeBufferPointer { gp in
                    xhat.scalars.withUnsafeBufferPointer { hp in
                        dgamma.withUnsafeMutableBufferPointer { dg in
                            dbeta.withUnsafeMutableBufferPointer { db in
                                RowParallel.forEach(rows: c, rowWidth: n) { channels in
                                    for r in 0..<n {
                                        let o = r * c
                                        for j in channels {
                                            let product = gp[o + j] * hp[o + j]
                                            dg[j] += product
                                            db[j] += gp[o + j]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                if gamma.requiresGrad { gamma.accumulate(Tensor(shape: [c], scalars: dgamma)) }
                if beta.requiresGrad { beta.accumulate(Tensor(shape: [c], scalars: dbeta)) }
            }
            guard x.requiresGrad else { return }
            var dx = Tensor<Scalar>(zeros: x.shape)
            g.scalars.withUnsafeBufferPointer { gp in
                xhat.scalars.withUnsafeBufferPointer { hp in
                    gamma.value.scalars.withUnsafeBufferPointer { gm in
                        dx.scalars.withUnsafeMutableBufferPointer { d in
                            // dxhat = g * gamma
                            RowParallel.forEach(rows: n, rowWidth: c) { rows in
                                for r in rows { let o = r * c; for j in 0..<c { d[o + j] = gp[o + j] * gm[j] } }
                            }
                            guard training else {
                                RowParallel.forEach(rows: n, rowWidth: c) { rows in
                                    for r in rows { let o = r * c; for j in 0..<c { d[o + j] *= rstd[j] } }
                                }
                                return
                            }
                            // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), means over rows.
                            var m1 = [Scalar](repeating: 0, count: c), m2 = [Scalar](repeating: 0, count: c)
                            m1.withUnsafeMutableBufferPointer { a in
                                m2.withUnsafeMutableBufferPointer { b in
                                    RowParallel.forEach(rows: c, rowWidth: n) { channels in
                                        for r in 0..<n {
                                            let o = r * c
                                            for j in channels {
                                                a[j] += d[o + j]
                                                let product = d[o + j] * hp[o + j]
                                                b[j] += product
                                            }
                                        }
                                        for j in channels { a[j] /= Scalar(n); b[j] /= Scalar(n) }
                                    }
                                }
                            }
                            RowParallel.forEach(rows: n, rowWidth: c) { rows in
                                for r in rows {
                                    let o = r * c
                                    for j in 0..<c { d[o + j] = rstd[j] * (d[o + j] - m1[j] - hp[o + j] * m2[j]) }
                                }
                            }
                        }
                    }
                }
            }
            x.accumulate(dx)
        }
    }
}
