import Autograd
import Foundation
import NeuralLayers
import SeededRandom
import TensorCore
import Testing
import TestSupport

/// The fused encoder ops (Sources/Autograd/Ops/EncoderFused.swift) against the primitive ops
/// they replace and against central finite differences, in Double.
@Suite("Fused encoder ops: linear, residual LayerNorm, GELU")
struct EncoderFusedOpTests {
    static func variable(_ shape: [Int], _ r: inout RandomStream, requiresGrad: Bool = true) -> Variable<Double> {
        Variable(Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Double(r.normal()) }), requiresGrad: requiresGrad)
    }

    /// A fixed weighting of the output, so the loss has a non-trivial gradient everywhere.
    static func loss(_ out: Variable<Double>, on tape: Tape<Double>) -> Variable<Double> {
        let w = Tensor<Double>(shape: out.shape, scalars: (0..<out.value.count).map { sin(Double($0) * 0.7) + 0.3 })
        return tape.sum(tape.mul(out, tape.constant(w)))
    }

    /// Checks `fused` against `reference` (same inputs) and every input's gradient against
    /// central differences.
    static func check(_ name: String, inputs: [Variable<Double>],
                      fused: (Tape<Double>) -> Variable<Double>, reference: (Tape<Double>) -> Variable<Double>) {
        let t1 = Tape<Double>()
        let a = fused(t1)
        t1.backward(loss(a, on: t1))
        let fusedGrads = inputs.map { $0.grad?.scalars ?? [] }
        for v in inputs { v.zeroGrad() }
        let t2 = Tape<Double>()
        let b = reference(t2)
        t2.backward(loss(b, on: t2))
        // The same arithmetic in another order, in Double: 1e-12.
        expectClose(a.value.scalars, b.value.scalars, atol: 1e-12, "\(name): fused vs primitive ops (double rounding)")
        for (i, v) in inputs.enumerated() {
            expectClose(fusedGrads[i], v.grad?.scalars ?? [], atol: 1e-12, "\(name): gradient \(i) fused vs primitive (double rounding)")
            var numeric = [Double](repeating: 0, count: v.value.count)
            for j in 0..<numeric.count {
                let original = v.value.scalars[j]
                v.value.scalars[j] = original + 1e-6
                let plus = loss(fused(Tape<Double>(recording: false)), on: Tape<Double>(recording: false)).value.scalar
                v.value.scalars[j] = original - 1e-6
                let minus = loss(fused(Tape<Double>(recording: false)), on: Tape<Double>(recording: false)).value.scalar
                v.value.scalars[j] = original
                numeric[j] = (plus - minus) / 2e-6
            }
            // Central differences, h = 1e-6 in Double: truncation ~h^2, rounding ~1e-10.
            expectClose(fusedGrads[i], numeric, atol: 1e-6, "\(name): gradient \(i) vs central differences")
        }
    }

    @Test func linearWithBiasEqualsMatmulPlusBias() {
        var r = SeedBook(seed: 21).stream(.initialization)
        let x = Self.variable([2, 3, 4], &r), w = Self.variable([5, 4], &r), b = Self.variable([5], &r)
        Self.check("linear", inputs: [x, w, b], fused: { $0.linear(x, weight: w, bias: b) },
                   reference: { $0.add($0.matmul(x, w, transposeWeight: true), b) })
        let frozen = Self.variable([5, 4], &r, requiresGrad: false)
        let tape = Tape<Double>()
        tape.backward(tape.sum(tape.linear(x, weight: frozen, bias: nil)))
        #expect(frozen.grad == nil)      // frozen weights get no gradient buffer
    }

    @Test func addLayerNormEqualsLayerNormOfTheSum() {
        var r = SeedBook(seed: 22).stream(.initialization)
        let x = Self.variable([2, 3, 6], &r), res = Self.variable([2, 3, 6], &r)
        let gamma = Self.variable([6], &r), beta = Self.variable([6], &r)
        Self.check("addLayerNorm", inputs: [x, res, gamma, beta], fused: { $0.addLayerNorm(x, res, gamma: gamma, beta: beta, eps: 1e-5) },
                   reference: { $0.layerNorm($0.add(x, res), gamma: gamma, beta: beta, eps: 1e-5) })
    }

    @Test func addScaledEqualsAddOfScaleAndHasTheSameFloatBits() {
        var r = SeedBook(seed: 24).stream(.initialization)
        let a = Self.variable([2, 3, 5], &r), b = Self.variable([2, 3, 5], &r)
        Self.check("addScaled", inputs: [a, b], fused: { $0.addScaled(a, b, 1.7) }, reference: { $0.add(a, $0.scale(b, 1.7)) })
        // In Float, bit for bit (the LoRA update switched to it; committed runs must reproduce).
        func run(_ fused: Bool) -> [[Float]] {
            var r = SeedBook(seed: 25).stream(.initialization)
            let x = (0..<2).map { _ in Variable(Tensor<Float>(shape: [7, 9], scalars: (0..<63).map { _ in Float(r.normal()) }), requiresGrad: true) }
            let tape = Tape<Float>()
            let out = fused ? tape.addScaled(x[0], x[1], 0.37) : tape.add(x[0], tape.scale(x[1], 0.37))
            let w = Tensor<Float>(shape: [7, 9], scalars: (0..<63).map { Float(sin(Double($0))) })
            tape.backward(tape.sum(tape.mul(out, tape.constant(w))))
            return [out.value.scalars, x[0].grad!.scalars, x[1].grad!.scalars]
        }
        #expect(run(true) == run(false))
    }

    @Test func geluErfEqualsGelu() {
        var r = SeedBook(seed: 23).stream(.initialization)
        let x = Self.variable([3, 7], &r)
        Self.check("geluErf", inputs: [x], fused: { $0.geluErf(x) }, reference: { $0.gelu(x) })
    }
}
