import TensorCore

// Point-wise non-linearities. Each backward uses the cached input or output, whichever gives
// the derivative more cheaply.

extension Tape {
    /// GELU, erf form (BERT, PyTorch's default): 0.5 x (1 + erf(x / sqrt 2)).
    public func gelu(_ x: Variable<Scalar>) -> Variable<Scalar> {
        let invSqrt2 = 1 / Scalar(2).squareRoot()
        let out = x.value.map { v in Scalar(0.5) * v * (1 + Scalar.erf(v * invSqrt2)) }
        return record(out, inputs: [x]) { g in
            // d/dx = Phi(x) + x phi(x), phi the standard normal density.
            let invSqrt2Pi = 1 / (2 * Scalar.pi).squareRoot()
            let d = x.value.map { v in
                Scalar(0.5) * (1 + Scalar.erf(v * invSqrt2)) + v * invSqrt2Pi * Scalar.exp(-Scalar(0.5) * v * v)
            }
            x.accumulate(g.zip(d, *))
        }
    }

    /// SiLU (swish): x * sigmoid(x). Element-wise on the pinned BLAS threads (RowParallel: the
    /// audio branch applies it to every frame of a batch, ~38 million elements); each element is
    /// the same expression whichever worker computes it.
    public func silu(_ x: Variable<Scalar>) -> Variable<Scalar> {
        let count = x.value.count
        var s = Tensor<Scalar>(zeros: x.shape), out = Tensor<Scalar>(zeros: x.shape)
        x.value.scalars.withUnsafeBufferPointer { xp in
            s.scalars.withUnsafeMutableBufferPointer { sp in
                out.scalars.withUnsafeMutableBufferPointer { op in
                    RowParallel.forEach(rows: count, rowWidth: 1) { range in
                        for i in range {
                            let v = xp[i]
                            let sv = 1 / (1 + Scalar.exp(-v))
                            sp[i] = sv
                            op[i] = v * sv
                        }
                    }
                }
            }
        }
        return record(out, inputs: [x]) { g in
            var dx = Tensor<Scalar>(zeros: x.shape)
            g.scalars.withUnsafeBufferPointer { gp in
                x.value.scalars.withUnsafeBufferPointer { xp in
                    s.scalars.withUnsafeBufferPointer { sp in
                        dx.scalars.withUnsafeMutableBufferPointer { dp in
                            RowParallel.forEach(rows: count, rowWidth: 1) { range in
                                for i in range {
                                    let v = xp[i], sv = sp[i]
                                    let d = sv * (1 + v * (1 - sv))
                                    dp[i] = gp[i] * d
                                }
                            }
                        }
                    }
                }
            }
            x.accumulate(dx)
        }
    }

    public func tanh(_ x: Variable<Scalar>) -> Variable<Scalar> {
        let out = x.value.map(Scalar.tanh)
        return record(out, inputs: [x]) { g in
            x.accumulate(g.zip(out) { gv, y in gv * (1 - y * y) })
        }
    }

    public func sigmoid(_ x: Variable<Scalar>) -> Variable<Scalar> {
        let out = x.value.map { v in 1 / (1 + Scalar.exp(-v)) }
        return record(out, inputs: [x]) { g in
            x.accumulate(g.zip(out) { gv, y in gv * y * (1 - y) })
        }
    }

    public func relu(_ x: Variable<Scalar>) -> Variable<Scalar> {
        let out = x.value.map { Swift.max($0, 0) }
        return record(out, inputs: [x]) { g in
            x.accumulate(g.zip(x.value) { gv, v in v > 0 ? gv : 0 })
        }
    }
}
