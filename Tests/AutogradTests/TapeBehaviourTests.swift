import Foundation
import TensorCore
import Testing
import TestSupport
@testable import Autograd

@Suite("Tape behaviour and closed-form forwards")
struct TapeBehaviourTests {
    let x = Tensor<Float>(shape: [2, 3], scalars: [1, -2, 0.5, 3, 0, -1])

    @Test func noGradTapeRecordsNothing() {
        let w = Variable(Tensor<Float>(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6]), requiresGrad: true)
        let tape = Tape<Float>(recording: false)
        let y = tape.matmul(tape.constant(x), w)
        #expect(!y.requiresGrad)
        #expect(tape.entries.isEmpty)
        // [1,-2,0.5] @ [[1,2],[3,4],[5,6]] = [1-6+2.5, 2-8+3] = [-2.5, -3]
        #expect(Array(y.value.scalars.prefix(2)) == [-2.5, -3])
    }

    @Test func frozenWeightsGetNoGradientButInputsDo() {
        let frozen = Variable(Tensor<Float>(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6]), requiresGrad: false)
        let input = Variable(x, requiresGrad: true)
        let tape = Tape<Float>()
        let loss = tape.sum(tape.matmul(input, frozen))
        tape.backward(loss)
        #expect(frozen.grad == nil)
        // d sum(x W) / dx = row sums of W: [3, 7, 11] per row.
        #expect(input.grad?.scalars == [3, 7, 11, 3, 7, 11])
    }

    @Test func gradientsAccumulateUntilZeroed() {
        let w = Variable(Tensor<Float>(shape: [3], scalars: [1, 1, 1]), requiresGrad: true)
        for _ in 0..<2 {
            let tape = Tape<Float>()
            tape.backward(tape.sum(tape.mul(tape.constant(x), w)))
        }
        // Each pass adds the column sums of x: [4, -2, -0.5].
        #expect(w.grad?.scalars == [8, -4, -1])
        w.zeroGrad()
        #expect(w.grad == nil)
    }

    @Test func closedFormForwards() {
        let t = Tape<Double>(recording: false)
        let v = t.constant(Tensor(shape: [2, 4], scalars: [1, 2, 3, 4, -1, 0, 1, 100]))
        let s = t.softmax(v).value
        expectClose([s.scalars[0..<4].reduce(0, +), s.scalars[4..<8].reduce(0, +)], [1.0, 1.0], atol: 1e-15, "softmax rows sum to 1")
        // softmax([1,2,3,4])_0 = 1 / (1 + e + e^2 + e^3)
        expectClose([s.scalars[0]], [1 / (1 + M_E + M_E * M_E + M_E * M_E * M_E)], rtol: 1e-14, "softmax closed form")
        let g = t.gelu(t.constant(Tensor(shape: [3], scalars: [0, 1, -1]))).value.scalars
        // GELU(1) = 0.5 (1 + erf(1/sqrt 2)) = Phi(1) = 0.8413447460685429.
        expectClose(g, [0, 0.8413447460685429, -1 + 0.8413447460685429], rtol: 1e-14, "GELU(0), GELU(+-1) closed form")
        let one = t.constant(Tensor(repeating: 1, shape: [4]))
        let zero = t.constant(Tensor(zeros: [4]))
        let ln = t.layerNorm(v, gamma: one, beta: zero, eps: 0).value.scalars
        let row = Array(ln[0..<4])
        expectClose([row.reduce(0, +) / 4, row.map { $0 * $0 }.reduce(0, +) / 4], [0.0, 1.0], atol: 1e-14, "layer norm: mean 0, variance 1")
        let bce = t.bceWithLogits(t.constant(Tensor(zeros: [3])), targets: Tensor(shape: [3], scalars: [1, 0, 1])).value.scalar
        expectClose([bce], [log(2.0)], rtol: 1e-15, "BCE at logit 0 is ln 2")
        let big = t.bceWithLogits(t.constant(Tensor(shape: [2], scalars: [1000, -1000])), targets: Tensor(shape: [2], scalars: [1, 0])).value.scalar
        #expect(big == 0)  // stable form: no overflow, no NaN
    }

    @Test func batchNormTracksRunningStatisticsLikePyTorch() {
        let stats = BatchNormStatistics<Double>(channels: 1)
        let t = Tape<Double>(recording: false, training: true)
        let one = t.constant(Tensor(repeating: 1, shape: [1]))
        let zero = t.constant(Tensor(zeros: [1]))
        _ = t.batchNorm(t.constant(Tensor(shape: [4, 1], scalars: [1, 2, 3, 4])), gamma: one, beta: zero, statistics: stats)
        // mean 2.5, unbiased variance 5/3; momentum 0.1 from (0, 1).
        expectClose(stats.runningMean.scalars + stats.runningVar.scalars, [0.25, 0.9 + 0.1 * 5.0 / 3.0], rtol: 1e-15, "running statistics")
        #expect(stats.batchesTracked == 1)
    }

    @Test func dropoutKeepsExpectationAndIsIdentityInEvaluation() {
        var r = RandomStreamForTests.dropout
        let t = Tape<Float>(recording: false, training: true)
        let ones = t.constant(Tensor(repeating: 1, shape: [100_000]))
        let y = t.dropout(ones, p: 0.25, random: &r).value
        let kept = y.scalars.filter { $0 != 0 }
        #expect(kept.allSatisfy { abs($0 - 4.0 / 3.0) < 1e-6 })
        // Binomial(1e5, 0.75): sd 137; allow 5 sd.
        #expect(abs(kept.count - 75_000) < 685)
        let e = Tape<Float>(recording: false, training: false)
        var r2 = RandomStreamForTests.dropout
        #expect(e.dropout(ones, p: 0.25, random: &r2).value == ones.value)
        #expect(r2 == RandomStreamForTests.dropout)  // no draws in evaluation
    }

    /// Dropout of the first T' positions drawn for `length`: exactly those rows of the full
    /// tensor's dropout, the stream left where the full dropout leaves it, gradient masked alike.
    @Test(arguments: [1, 2, 5]) func dropoutOfFirstPositionsEqualsThoseRowsOfTheFullDropout(kept: Int) {
        let (b, t, c) = (3, 5, 4)
        let values = Tensor<Float>(shape: [b, t, c], scalars: (0..<(b * t * c)).map { Float($0) * 0.25 - 7 })
        var full = RandomStreamForTests.dropout, part = RandomStreamForTests.dropout
        let tape = Tape<Float>(recording: true, training: true)
        let x = Variable(values, requiresGrad: true)
        let whole = tape.slice(tape.dropout(x, p: 0.4, random: &full), axis: 1, 0..<kept)
        let y = Variable(values.slice(axis: 1, 0..<kept), requiresGrad: true)
        let first = tape.dropout(y, p: 0.4, random: &part, drawnForLength: t)
        #expect(first.value == whole.value)
        #expect(part == full)
        #expect(whole.value.scalars.contains(0) && whole.value.scalars.contains { $0 != 0 })  // both outcomes occur
        let seed = Tensor<Float>(repeating: 1, shape: [b, kept, c])
        tape.backward(whole, seed: seed)
        let tape2 = Tape<Float>(recording: true, training: true)
        var again = RandomStreamForTests.dropout
        tape2.backward(tape2.dropout(y, p: 0.4, random: &again, drawnForLength: t), seed: seed)
        #expect(y.grad! == x.grad!.slice(axis: 1, 0..<kept))
    }
}

import SeededRandom
enum RandomStreamForTests {
    static let dropout = SeedBook(seed: 3).stream(.dropout)
}
