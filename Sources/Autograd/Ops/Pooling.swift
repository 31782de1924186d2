import TensorCore

/// Pooling kinds shared by the audio branch ("audio stacking pooling") and fusion.
public enum PoolingKind: String, Sendable, Codable, CaseIterable {
    case max, mean, sum
}

extension Tape {
    /// Reduces `axis` by max, mean or sum; the axis is removed from the shape.
    /// Max routes the gradient to the first maximal element of each reduced line.
    public func pool(_ x: Variable<Scalar>, axis: Int, _ kind: PoolingKind) -> Variable<Scalar> {
        let shape = x.shape
        let outer = shape[..<axis].reduce(1, *), len = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
        precondition(len > 0, "pooling over an empty axis \(axis) of \(shape)")
        var outShape = shape
        outShape.remove(at: axis)
        var out = Tensor<Scalar>(zeros: outShape)
        var argmax = [Int]()
        if kind == .max { argmax = [Int](repeating: 0, count: outer * inner) }
        x.value.scalars.withUnsafeBufferPointer { v in
            out.scalars.withUnsafeMutableBufferPointer { o in
                for a in 0..<outer {
                    for b in 0..<inner {
                        let dst = a * inner + b
                        switch kind {
                        case .sum, .mean:
                            var s: Scalar = 0
                            for t in 0..<len { s += v[(a * len + t) * inner + b] }
                            o[dst] = kind == .mean ? s / Scalar(len) : s
                        case .max:
                            var best = v[a * len * inner + b], at = 0
                            for t in 1..<Swift.max(len, 1) where v[(a * len + t) * inner + b] > best {
                                best = v[(a * len + t) * inner + b]; at = t
                            }
                            o[dst] = best
                            argmax[dst] = at
                        }
                    }
                }
            }
        }
        return record(out, inputs: [x]) { g in
            var gx = Tensor<Scalar>(zeros: shape)
            let scale: Scalar = kind == .mean ? 1 / Scalar(len) : 1
            for a in 0..<outer {
                for b in 0..<inner {
                    let gv = g.scalars[a * inner + b]
                    if kind == .max {
                        gx.scalars[(a * len + argmax[a * inner + b]) * inner + b] += gv
                    } else {
                        for t in 0..<len { gx.scalars[(a * len + t) * inner + b] += gv * scale }
                    }
                }
            }
            x.accumulate(gx)
        }
    }

    /// Mean over the first lengths[b] positions of axis 1 of x [B, T, C] (masked mean pooling of
    /// padded sequences), giving [B, C].
    public func maskedMean(_ x: Variable<Scalar>, lengths: [Int]) -> Variable<Scalar> {
        let (b, t, c) = (x.shape[0], x.shape[1], x.shape[2])
        precondition(lengths.count == b && lengths.allSatisfy { $0 >= 1 && $0 <= t }, "lengths \(lengths) for [\(b), \(t), \(c)]")
        var out = Tensor<Scalar>(zeros: [b, c])
        for i in 0..<b {
            let inv = 1 / Scalar(lengths[i])
            for s in 0..<lengths[i] { for j in 0..<c { out.scalars[i * c + j] += x.value.scalars[(i * t + s) * c + j] * inv } }
        }
        return record(out, inputs: [x]) { g in
            var gx = Tensor<Scalar>(zeros: x.shape)
            for i in 0..<b {
                let inv = 1 / Scalar(lengths[i])
                for s in 0..<lengths[i] { for j in 0..<c { gx.scalars[(i * t + s) * c + j] = g.scalars[i * c + j] * inv } }
            }
            x.accumulate(gx)
        }
    }
}
