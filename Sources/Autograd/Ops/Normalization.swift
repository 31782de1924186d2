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
    public func batchNorm(_ x: Variable<Scalar>, gamma: Variable<Scalar>, beta: Variable<Scalar>,
                          statistics: BatchNormStatistics<Scalar>, eps: Scalar = 1e-5) -> Variable<Scalar> {
        precondition(x.value.rank == 2, "batchNorm takes [N, C], got \(x.value.shape)")
        let n = x.value.shape[0], c = x.value.shape[1]
        var mean = [Scalar](repeating: 0, count: c)
        var variance = [Scalar](repeating: 0, count: c)
        if isTraining {
            precondition(n > 1, "batchNorm in training needs more than one row per channel")
            for r in 0..<n { for j in 0..<c { mean[j] += x.value.scalars[r * c + j] } }
            for j in 0..<c { mean[j] /= Scalar(n) }
            for r in 0..<n { for j in 0..<c { let d = x.value.scalars[r * c + j] - mean[j]; variance[j] += d * d } }
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
        var xhat = x.value
        for r in 0..<n { for j in 0..<c { xhat.scalars[r * c + j] = (xhat.scalars[r * c + j] - mean[j]) * rstd[j] } }
        let out = xhat.broadcastZip(gamma.value, *).broadcastZip(beta.value, +)
        let training = isTraining
        return record(out, inputs: [x, gamma, beta]) { g in
            if gamma.requiresGrad { gamma.accumulate(g.zip(xhat, *).sumReduced(to: [c])) }
            if beta.requiresGrad { beta.accumulate(g.sumReduced(to: [c])) }
            guard x.requiresGrad else { return }
            var dx = g.broadcastZip(gamma.value, *)
            if training {
                var m1 = [Scalar](repeating: 0, count: c), m2 = [Scalar](repeating: 0, count: c)
                for r in 0..<n { for j in 0..<c { m1[j] += dx.scalars[r * c + j]; m2[j] += dx.scalars[r * c + j] * xhat.scalars[r * c + j] } }
                for j in 0..<c { m1[j] /= Scalar(n); m2[j] /= Scalar(n) }
                for r in 0..<n {
                    for j in 0..<c {
                        let i = r * c + j
                        dx.scalars[i] = rstd[j] * (dx.scalars[i] - m1[j] - xhat.scalars[i] * m2[j])
                    }
                }
            } else {
                for r in 0..<n { for j in 0..<c { dx.scalars[r * c + j] *= rstd[j] } }
            }
            x.accumulate(dx)
        }
    }
}
