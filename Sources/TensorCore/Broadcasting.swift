// NumPy broadcasting: shapes are aligned at the right; a dimension of 1 stretches.

public enum Broadcast {
    /// The broadcast shape of a and b, or nil when they are incompatible.
    @inlinable
    public static func shape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let n = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: n)
        for i in 0..<n {
            let da = i < n - a.count ? 1 : a[i - (n - a.count)]
            let db = i < n - b.count ? 1 : b[i - (n - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// For every element of `outShape`, the flat index of the element of `inShape` it reads.
    @inlinable
    public static func sourceIndices(from inShape: [Int], to outShape: [Int]) -> [Int] {
        let n = outShape.count
        let padded = [Int](repeating: 1, count: n - inShape.count) + inShape
        let inStrides = Tensor<Float>.strides(padded)
        let total = outShape.reduce(1, *)
        var result = [Int](repeating: 0, count: total)
        guard total > 0 else { return result }
        var index = [Int](repeating: 0, count: n)
        for flat in 0..<total {
            var src = 0
            for d in 0..<n where padded[d] != 1 { src += index[d] * inStrides[d] }
            result[flat] = src
            var d = n - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < outShape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        return result
    }
}

extension Tensor {
    /// self broadcast to `outShape`.
    @inlinable
    public func broadcast(to outShape: [Int]) -> Tensor {
        if shape == outShape { return self }
        let src = Broadcast.sourceIndices(from: shape, to: outShape)
        return Tensor(shape: outShape, scalars: src.map { scalars[$0] })
    }

    /// Sums a tensor of a broadcast shape back to `target` (the gradient of broadcasting).
    @inlinable
    public func sumReduced(to target: [Int]) -> Tensor {
        if shape == target { return self }
        var out = Tensor(zeros: target)
        // Fast path: target is the trailing part of shape (bias gradients).
        if target.count <= rank && Array(shape.suffix(target.count)) == target {
            let inner = target.reduce(1, *)
            scalars.withUnsafeBufferPointer { g in
                out.scalars.withUnsafeMutableBufferPointer { o in
                    var base = 0
                    while base < g.count {
                        for j in 0..<inner { o[j] += g[base + j] }
                        base += inner
                    }
                }
            }
            return out
        }
        let src = Broadcast.sourceIndices(from: target, to: shape)
        for i in 0..<count { out.scalars[src[i]] += scalars[i] }
        return out
    }

    /// f(self, other) with broadcasting.
    @inlinable
    public func broadcastZip(_ other: Tensor, _ f: (Scalar, Scalar) -> Scalar) -> Tensor {
        if shape == other.shape { return zip(other, f) }
        guard let outShape = Broadcast.shape(shape, other.shape) else {
            preconditionFailure("shapes \(shape) and \(other.shape) do not broadcast")
        }
        // Fast path: other is the trailing part of self (bias add, per-channel scale).
        if outShape == shape && other.rank <= rank && Array(shape.suffix(other.rank)) == other.shape {
            let inner = other.count
            var out = self
            out.scalars.withUnsafeMutableBufferPointer { o in
                other.scalars.withUnsafeBufferPointer { b in
                    var base = 0
                    while base < o.count {
                        for j in 0..<inner { o[base + j] = f(o[base + j], b[j]) }
                        base += inner
                    }
                }
            }
            return out
        }
        let a = broadcast(to: outShape), b = other.broadcast(to: outShape)
        return a.zip(b, f)
    }
}
