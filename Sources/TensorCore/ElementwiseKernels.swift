// Element-wise kernels. Loops run over raw buffers so the optimiser vectorises them (release
// builds target AVX2+FMA, see the Makefile); transcendental functions are per-element libm calls.

extension Tensor {
    /// f applied to every element.
    @inlinable
    public func map(_ f: (Scalar) -> Scalar) -> Tensor {
        var out = self
        out.scalars.withUnsafeMutableBufferPointer { o in
            for i in o.indices { o[i] = f(o[i]) }
        }
        return out
    }

    /// f(self[i], other[i]) for tensors of one shape.
    @inlinable
    public func zip(_ other: Tensor, _ f: (Scalar, Scalar) -> Scalar) -> Tensor {
        precondition(shape == other.shape, "element-wise shapes differ: \(shape) and \(other.shape)")
        var out = self
        out.scalars.withUnsafeMutableBufferPointer { o in
            other.scalars.withUnsafeBufferPointer { b in
                for i in o.indices { o[i] = f(o[i], b[i]) }
            }
        }
        return out
    }

    /// self += other * scale (same shape), in place.
    @inlinable
    public mutating func addScaled(_ other: Tensor, _ scale: Scalar = 1) {
        precondition(shape == other.shape, "accumulation shapes differ: \(shape) and \(other.shape)")
        scalars.withUnsafeMutableBufferPointer { o in
            other.scalars.withUnsafeBufferPointer { b in
                for i in o.indices { o[i] += scale * b[i] }
            }
        }
    }

    @inlinable
    public func scaled(_ s: Scalar) -> Tensor { map { $0 * s } }

    /// Sum of all elements (in Double for Float tensors would change results; kept in Scalar,
    /// pairwise by BLAS-free sequential order so it is deterministic).
    @inlinable
    public func sum() -> Scalar {
        scalars.withUnsafeBufferPointer { p in
            var s: Scalar = 0
            for x in p { s += x }
            return s
        }
    }

    /// Largest absolute value (0 for an empty tensor).
    @inlinable
    public func maxAbs() -> Scalar {
        scalars.reduce(0) { Swift.max($0, Swift.abs($1)) }
    }
}
