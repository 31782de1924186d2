import TensorCore

// Element-wise arithmetic with NumPy broadcasting. The gradient of a broadcast input is the
// output gradient summed back to the input's shape.

extension Tape {
    public func add(_ a: Variable<Scalar>, _ b: Variable<Scalar>) -> Variable<Scalar> {
        let out = a.value.broadcastZip(b.value, +)
        return record(out, inputs: [a, b]) { g in
            if a.requiresGrad { a.accumulate(g.sumReduced(to: a.shape)) }
            if b.requiresGrad { b.accumulate(g.sumReduced(to: b.shape)) }
        }
    }

    public func sub(_ a: Variable<Scalar>, _ b: Variable<Scalar>) -> Variable<Scalar> {
        let out = a.value.broadcastZip(b.value, -)
        return record(out, inputs: [a, b]) { g in
            if a.requiresGrad { a.accumulate(g.sumReduced(to: a.shape)) }
            if b.requiresGrad { b.accumulate(g.sumReduced(to: b.shape).scaled(-1)) }
        }
    }

    public func mul(_ a: Variable<Scalar>, _ b: Variable<Scalar>) -> Variable<Scalar> {
        let out = a.value.broadcastZip(b.value, *)
        return record(out, inputs: [a, b]) { g in
            if a.requiresGrad { a.accumulate(g.broadcastZip(b.value, *).sumReduced(to: a.shape)) }
            if b.requiresGrad { b.accumulate(g.broadcastZip(a.value, *).sumReduced(to: b.shape)) }
        }
    }

    public func div(_ a: Variable<Scalar>, _ b: Variable<Scalar>) -> Variable<Scalar> {
        let out = a.value.broadcastZip(b.value, /)
        return record(out, inputs: [a, b]) { g in
            if a.requiresGrad { a.accumulate(g.broadcastZip(b.value, /).sumReduced(to: a.shape)) }
            if b.requiresGrad {
                // d(a/b)/db = -a/b^2 = -out/b
                let shape = out.shape
                let gb = g.zip(out, *).broadcastZip(b.value.broadcast(to: shape), /).scaled(-1)
                b.accumulate(gb.sumReduced(to: b.shape))
            }
        }
    }

    public func scale(_ a: Variable<Scalar>, _ s: Scalar) -> Variable<Scalar> {
        record(a.value.scaled(s), inputs: [a]) { g in a.accumulate(g.scaled(s)) }
    }

    /// a + b * s for a and b of one shape: `add(a, scale(b, s))` in one pass and one output
    /// (each element rounds b * s, then the sum, as the two ops do, so the bits are the same).
    /// The LoRA update uses it: two passes and two tensors fewer per adapted projection.
    public func addScaled(_ a: Variable<Scalar>, _ b: Variable<Scalar>, _ s: Scalar) -> Variable<Scalar> {
        precondition(a.shape == b.shape, "addScaled: shapes \(a.shape) and \(b.shape) differ")
        var out = a.value
        out.scalars.withUnsafeMutableBufferPointer { o in
            b.value.scalars.withUnsafeBufferPointer { bp in
                for i in o.indices {
                    let scaled = bp[i] * s
                    o[i] = o[i] + scaled
                }
            }
        }
        return record(out, inputs: [a, b]) { g in
            if a.requiresGrad { a.accumulate(g) }
            if b.requiresGrad { b.accumulate(g.scaled(s)) }
        }
    }

    /// Sum of all elements, as a rank-0 tensor.
    public func sum(_ a: Variable<Scalar>) -> Variable<Scalar> {
        record(Tensor(scalar: a.value.sum()), inputs: [a]) { g in
            a.accumulate(Tensor(repeating: g.scalar, shape: a.shape))
        }
    }

    /// Mean of all elements, as a rank-0 tensor.
    public func mean(_ a: Variable<Scalar>) -> Variable<Scalar> {
        let n = Scalar(Swift.max(a.value.count, 1))
        return record(Tensor(scalar: a.value.sum() / n), inputs: [a]) { g in
            a.accumulate(Tensor(repeating: g.scalar / n, shape: a.shape))
        }
    }
}
