import TensorCore

extension Tape {
    /// Softmax over the last axis of x + mask, where `mask` (additive, e.g. 0 or -inf/-1e4 for
    /// padded keys) broadcasts to x. Backward: dx = y * (g - sum(g * y)) per row.
    public func softmax(_ x: Variable<Scalar>, additiveMask mask: Tensor<Scalar>? = nil) -> Variable<Scalar> {
        let logits = mask.map { x.value.broadcastZip($0, +) } ?? x.value
        let out = Self.softmaxRows(logits)
        return record(out, inputs: [x]) { g in
            let n = out.shape.last ?? 1
            var dx = g
            dx.scalars.withUnsafeMutableBufferPointer { d in
                out.scalars.withUnsafeBufferPointer { y in
                    var base = 0
                    while base < d.count {
                        var dot: Scalar = 0
                        for j in 0..<n { dot += d[base + j] * y[base + j] }
                        for j in 0..<n { d[base + j] = y[base + j] * (d[base + j] - dot) }
                        base += n
                    }
                }
            }
            x.accumulate(dx)
        }
    }

    /// Log-softmax over the last axis. Backward: dx = g - softmax * sum(g) per row.
    public func logSoftmax(_ x: Variable<Scalar>) -> Variable<Scalar> {
        let n = x.value.shape.last ?? 1
        var out = x.value
        out.scalars.withUnsafeMutableBufferPointer { o in
            var base = 0
            while base < o.count {
                var m = -Scalar.infinity
                for j in 0..<n { m = Swift.max(m, o[base + j]) }
                var s: Scalar = 0
                for j in 0..<n { s += Scalar.exp(o[base + j] - m) }
                let lse = m + Scalar.log(s)
                for j in 0..<n { o[base + j] -= lse }
                base += n
            }
        }
        return record(out, inputs: [x]) { g in
            var dx = g
            dx.scalars.withUnsafeMutableBufferPointer { d in
                out.scalars.withUnsafeBufferPointer { y in
                    var base = 0
                    while base < d.count {
                        var s: Scalar = 0
                        for j in 0..<n { s += d[base + j] }
                        for j in 0..<n { d[base + j] -= Scalar.exp(y[base + j]) * s }
                        base += n
                    }
                }
            }
            x.accumulate(dx)
        }
    }

    /// Numerically stable softmax of each last-axis row (max subtracted; a row of -inf stays 0).
    static func softmaxRows(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        let n = x.shape.last ?? 1
        var out = x
        out.scalars.withUnsafeMutableBufferPointer { o in
            var base = 0
            while base < o.count {
                var m = -Scalar.infinity
                for j in 0..<n { m = Swift.max(m, o[base + j]) }
                if m == -Scalar.infinity {
                    for j in 0..<n { o[base + j] = 0 }
                } else {
                    var s: Scalar = 0
                    for j in 0..<n { let e = Scalar.exp(o[base + j] - m); o[base + j] = e; s += e }
                    let inv = 1 / s
                    for j in 0..<n { o[base + j] *= inv }
                }
                base += n
            }
        }
        return out
    }
}
