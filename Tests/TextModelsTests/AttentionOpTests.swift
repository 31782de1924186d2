import Autograd
import Foundation
import SeededRandom
import TensorCore
import Testing
import TestSupport

/// The fused attention op (Sources/Autograd/Ops/Attention.swift) against the unfused composition
/// of primitive ops (permute, batched matmul, masked softmax) and against finite differences, in
/// Double so that both checks are tight.
@Suite("Fused multi-head attention")
struct AttentionOpTests {
    static let B = 3, T = 5, H = 2, D = 3
    static let lengths = [5, 2, 3]

    static func inputs() -> [Variable<Double>] {
        var r = SeedBook(seed: 11).stream(.initialization)
        return (0..<3).map { _ in
            Variable(Tensor(shape: [B, T, H * D], scalars: (0..<(B * T * H * D)).map { _ in Double(r.normal()) }), requiresGrad: true)
        }
    }

    /// The unfused reference: heads permuted out, additive -greatest mask on padded keys.
    static func unfused(_ q: Variable<Double>, _ k: Variable<Double>, _ v: Variable<Double>, on tape: Tape<Double>) -> Variable<Double> {
        let C = H * D, scale = 1 / Double(D).squareRoot()
        func heads(_ x: Variable<Double>) -> Variable<Double> {
            tape.reshape(tape.permute(tape.reshape(x, [B, T, H, D]), [0, 2, 1, 3]), [B * H, T, D])
        }
        var mask = [Double](repeating: 0, count: B * H * T)
        for b in 0..<B { for h in 0..<H { for t in lengths[b]..<T { mask[(b * H + h) * T + t] = -Double.greatestFiniteMagnitude } } }
        let p = tape.softmax(tape.scale(tape.batchedMatmul(heads(q), heads(k), transposeB: true), scale),
                             additiveMask: Tensor(shape: [B * H, 1, T], scalars: mask))
        let context = tape.batchedMatmul(p, heads(v))
        return tape.reshape(tape.permute(tape.reshape(context, [B, H, T, D]), [0, 2, 1, 3]), [B, T, C])
    }

    /// A fixed weighting of the output, so the loss has a non-trivial gradient everywhere.
    static func loss(_ out: Variable<Double>, on tape: Tape<Double>) -> Variable<Double> {
        let w = Tensor<Double>(shape: out.shape, scalars: (0..<out.value.count).map { sin(Double($0) * 0.7) })
        return tape.sum(tape.mul(out, tape.constant(w)))
    }

    @Test func forwardAndGradientsEqualTheUnfusedOps() {
        let fused = Self.inputs(), reference = Self.inputs()
        let t1 = Tape<Double>(), t2 = Tape<Double>()
        let a = t1.attention(query: fused[0], key: fused[1], value: fused[2], heads: Self.H, lengths: Self.lengths,
                             scale: 1 / Double(Self.D).squareRoot())
        let b = Self.unfused(reference[0], reference[1], reference[2], on: t2)
        // Same arithmetic in another order, in Double: 1e-12.
        expectClose(a.value.scalars, b.value.scalars, atol: 1e-12, "fused vs unfused output (double rounding)")
        t1.backward(Self.loss(a, on: t1))
        t2.backward(Self.loss(b, on: t2))
        for (i, name) in ["query", "key", "value"].enumerated() {
            expectClose(fused[i].grad?.scalars ?? [], reference[i].grad?.scalars ?? [], atol: 1e-12,
                        "gradient of \(name): fused vs unfused (double rounding)")
        }
    }

    @Test func gradientsMatchFiniteDifferences() {
        let x = Self.inputs()
        let scale = 1 / Double(Self.D).squareRoot()
        func value() -> Double {
            let tape = Tape<Double>(recording: false)
            return Self.loss(tape.attention(query: x[0], key: x[1], value: x[2], heads: Self.H, lengths: Self.lengths, scale: scale),
                             on: tape).value.scalar
        }
        let tape = Tape<Double>()
        tape.backward(Self.loss(tape.attention(query: x[0], key: x[1], value: x[2], heads: Self.H, lengths: Self.lengths,
                                               scale: scale), on: tape))
        for (i, name) in ["query", "key", "value"].enumerated() {
            let analytic = x[i].grad!.scalars
            var numeric = [Double](repeating: 0, count: analytic.count)
            for j in 0..<analytic.count {
                let original = x[i].value.scalars[j]
                x[i].value.scalars[j] = original + 1e-6
                let plus = value()
                x[i].value.scalars[j] = original - 1e-6
                let minus = value()
                x[i].value.scalars[j] = original
                numeric[j] = (plus - minus) / 2e-6
            }
            // Central differences with h = 1e-6 in Double: truncation ~h^2, rounding ~1e-10.
            expectClose(analytic, numeric, atol: 1e-7, "gradient of \(name) vs central differences")
        }
        // Padded keys of sample 1 (length 2) get no gradient.
        #expect(x[1].grad!.scalars[(1 * Self.T + 2) * Self.H * Self.D ..< (2 * Self.T) * Self.H * Self.D].allSatisfy { $0 == 0 })
    }
}

/// The first-queries form of the fused attention (the encoder's last layer under a first-token
/// classifier) and the skipped key gradient of a frozen key projection, in Double.
@Suite("Fused attention: first queries only, frozen keys")
struct AttentionFirstQueriesTests {
    typealias A = AttentionOpTests

    @Test func firstQueriesEqualTheFullRowsAndTheirGradients() {
        let x = A.inputs()
        let scale = 1 / Double(A.D).squareRoot(), Tq = 2, C = A.H * A.D
        let full = Tape<Double>(recording: false).attention(query: x[0], key: x[1], value: x[2], heads: A.H, lengths: A.lengths, scale: scale)
        let q = Variable(x[0].value.slice(axis: 1, 0..<Tq), requiresGrad: true)
        func first(_ tape: Tape<Double>) -> Variable<Double> {
            tape.attention(query: q, key: x[1], value: x[2], heads: A.H, lengths: A.lengths, scale: scale)
        }
        let part = first(Tape<Double>(recording: false))
        #expect(part.shape == [A.B, Tq, C])
        // Other GEMM shapes for the same sums, in Double: 1e-12.
        expectClose(part.value.scalars, full.value.slice(axis: 1, 0..<Tq).scalars, atol: 1e-12, "first rows vs the full attention (double rounding)")
        let tape = Tape<Double>()
        tape.backward(A.loss(first(tape), on: tape))
        for (i, v) in [q, x[1], x[2]].enumerated() {
            let analytic = v.grad!.scalars
            var numeric = [Double](repeating: 0, count: analytic.count)
            for j in 0..<analytic.count {
                let original = v.value.scalars[j]
                v.value.scalars[j] = original + 1e-6
                let plus = A.loss(first(Tape<Double>(recording: false)), on: Tape<Double>(recording: false)).value.scalar
                v.value.scalars[j] = original - 1e-6
                let minus = A.loss(first(Tape<Double>(recording: false)), on: Tape<Double>(recording: false)).value.scalar
                v.value.scalars[j] = original
                numeric[j] = (plus - minus) / 2e-6
            }
            // Central differences with h = 1e-6 in Double: truncation ~h^2, rounding ~1e-10.
            expectClose(analytic, numeric, atol: 1e-7, "gradient \(i) (query, key, value) vs central differences")
        }
    }

    @Test func aFrozenKeyGetsNoGradientAndTheOthersAreUnchanged() {
        let scale = 1 / Double(A.D).squareRoot()
        let all = A.inputs(), frozen = A.inputs()
        let k = Variable(frozen[1].value, requiresGrad: false)
        for (q, kk, v) in [(all[0], all[1], all[2]), (frozen[0], k, frozen[2])] {
            let tape = Tape<Double>()
            tape.backward(A.loss(tape.attention(query: q, key: kk, value: v, heads: A.H, lengths: A.lengths, scale: scale), on: tape))
        }
        #expect(k.grad == nil)
        // The query and value gradients do not depend on whether the key one is computed: equal bits.
        #expect(frozen[0].grad!.scalars == all[0].grad!.scalars)
        #expect(frozen[2].grad!.scalars == all[2].grad!.scalars)
    }
}
