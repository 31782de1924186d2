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

    /// Pools consecutive row segments of x [sum(counts), C]: segment i is rows
    /// counts[0] + ... + counts[i-1] ..< that + counts[i], reduced by max, mean or sum, giving
    /// [counts.count, C]. Equal, value for value, to slicing each segment, pooling it over axis 0
    /// and concatenating the rows (max keeps the first maximal row, sums run in row order), but
    /// its backward fills one gradient of x's shape: the slice-per-segment form allocated,
    /// cleared and added a full [sum(counts), C] gradient for every segment, which made the
    /// audio branch's backward (50 items x 3,000 frames a batch) quadratic in memory traffic.
    public func segmentPool(_ x: Variable<Scalar>, counts: [Int], _ kind: PoolingKind) -> Variable<Scalar> {
        precondition(x.shape.count == 2, "segmentPool takes [rows, C], got \(x.shape)")
        precondition(counts.allSatisfy { $0 > 0 } && counts.reduce(0, +) == x.shape[0],
                     "segment counts \(counts) for \(x.shape[0]) rows")
        let c = x.shape[1], n = counts.count
        var starts = [Int](repeating: 0, count: n)
        for i in 1..<Swift.max(n, 1) { starts[i] = starts[i - 1] + counts[i - 1] }
        var out = Tensor<Scalar>(zeros: [n, c])
        var argmax = kind == .max ? [Int](repeating: 0, count: n * c) : []
        x.value.scalars.withUnsafeBufferPointer { v in
            out.scalars.withUnsafeMutableBufferPointer { o in
                for i in 0..<n {
                    let row = o.baseAddress! + i * c, first = starts[i]
                    for j in 0..<c { row[j] = v[first * c + j] }
                    for r in (first + 1)..<(first + counts[i]) {
                        let src = v.baseAddress! + r * c
                        switch kind {
                        case .max:
                            for j in 0..<c where src[j] > row[j] { row[j] = src[j]; argmax[i * c + j] = r - first }
                        case .sum, .mean:
                            for j in 0..<c { row[j] += src[j] }
                        }
                    }
                    if kind == .mean {
                        let len = Scalar(counts[i])
                        for j in 0..<c { row[j] = row[j] / len }
                    }
                }
            }
        }
        return record(out, inputs: [x]) { g in
            var gx = Tensor<Scalar>(zeros: x.shape)
            g.scalars.withUnsafeBufferPointer { gv in
                gx.scalars.withUnsafeMutableBufferPointer { gxp in
                    for i in 0..<n {
                        let gRow = gv.baseAddress! + i * c, first = starts[i]
                        switch kind {
                        case .max:
                            for j in 0..<c { gxp[(first + argmax[i * c + j]) * c + j] += gRow[j] }
                        case .sum, .mean:
                            let scale: Scalar = kind == .mean ? 1 / Scalar(counts[i]) : 1
                            for r in first..<(first + counts[i]) {
                                let dst = gxp.baseAddress! + r * c
                                for j in 0..<c { dst[j] += gRow[j] * scale }
                            }
                        }
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
