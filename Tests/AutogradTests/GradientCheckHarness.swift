import SeededRandom
import TensorCore
import Testing
import TestSupport
@testable import Autograd

// One harness for every op (tinygrad style): random Double inputs, the loss L = sum(out * R)
// for a random R, analytic gradients from one backward pass seeded with R, numeric gradients
// from central differences of L. Double precision makes the comparison meaningful at 1e-6.

struct GradientCheck {
    /// Central-difference step: in Double, truncation error (h^2) and rounding error (eps/h) are
    /// both near 1e-10 at h = 1e-5 for the O(1) values used here.
    static let step = 1e-5

    static func randomTensor(_ shape: [Int], _ random: inout RandomStream, scale: Double = 1) -> Tensor<Double> {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in random.normalDouble() * scale })
    }

    /// Checks `op`'s gradients with respect to every input marked trainable.
    static func run(_ name: String, shapes: [[Int]], trainable: [Bool]? = nil, seed: UInt64 = 1,
                    inputs custom: [Tensor<Double>]? = nil, training: Bool = true, atol: Double = 1e-7, rtol: Double = 1e-6,
                    sourceLocation: SourceLocation = #_sourceLocation,
                    _ op: (Tape<Double>, [Variable<Double>]) -> Variable<Double>) {
        var random = SeedBook(seed: seed).stream(.initialization, name)
        let values = custom ?? shapes.map { randomTensor($0, &random) }
        let grads = trainable ?? values.map { _ in true }
        // Analytic.
        let vars = zip(values, grads).map { Variable($0, requiresGrad: $1) }
        let tape = Tape<Double>(recording: true, training: training)
        let out = op(tape, vars)
        let r = randomTensor(out.shape, &random)
        tape.backward(out, seed: r)
        // Numeric.
        func loss(_ inputs: [Tensor<Double>]) -> Double {
            let t = Tape<Double>(recording: false, training: training)
            let o = op(t, inputs.map { Variable($0) })
            return zip(o.value.scalars, r.scalars).reduce(0) { $0 + $1.0 * $1.1 }
        }
        for (k, v) in vars.enumerated() where grads[k] {
            var numeric = [Double](repeating: 0, count: v.value.count)
            for i in 0..<v.value.count {
                var plus = values, minus = values
                plus[k].scalars[i] += step
                minus[k].scalars[i] -= step
                numeric[i] = (loss(plus) - loss(minus)) / (2 * step)
            }
            let analytic = v.grad?.scalars ?? [Double](repeating: 0, count: v.value.count)
            expectClose(analytic, numeric, atol: atol, rtol: rtol, shape: v.shape,
                        "\(name): d/d input \(k) vs central differences (Double)", sourceLocation: sourceLocation)
        }
    }
}
