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

    /// SiLU (swish): x * sigmoid(x).
    public func silu(_ x: Variable<Scalar>) -> Variable<Scalar> {
        let s = x.value.map { v in 1 / (1 + Scalar.exp(-v)) }
        let out = x.value.zip(s, *)
        return record(out, inputs: [x]) { g in
            let d = x.value.zip(s) { v, sv in sv * (1 + v * (1 - sv)) }
            x.accumulate(g.zip(d, *))
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
