import SeededRandom
import TensorCore
import Testing
@testable import Autograd

@Suite("Finite-difference gradients of every op (Double)")
struct OpGradientTests {
    @Test func arithmeticWithBroadcasting() {
        GradientCheck.run("add", shapes: [[2, 3, 4], [4]]) { t, v in t.add(v[0], v[1]) }
        GradientCheck.run("add-middle", shapes: [[2, 3, 4], [3, 1]]) { t, v in t.add(v[0], v[1]) }
        GradientCheck.run("sub", shapes: [[2, 3], [2, 1]]) { t, v in t.sub(v[0], v[1]) }
        GradientCheck.run("mul", shapes: [[3, 4], [1, 4]]) { t, v in t.mul(v[0], v[1]) }
        var r = SeedBook(seed: 2).stream(.initialization)
        let away = GradientCheck.randomTensor([3, 4], &r).map { $0 > 0 ? $0 + 1 : $0 - 1 }  // |b| >= 1
        GradientCheck.run("div", shapes: [], inputs: [GradientCheck.randomTensor([3, 4], &r), away]) { t, v in t.div(v[0], v[1]) }
        GradientCheck.run("scale", shapes: [[5]]) { t, v in t.scale(v[0], -2.5) }
        GradientCheck.run("sum", shapes: [[2, 3]]) { t, v in t.sum(v[0]) }
        GradientCheck.run("mean", shapes: [[2, 3]]) { t, v in t.mean(v[0]) }
    }

    @Test func matrixProducts() {
        GradientCheck.run("matmul", shapes: [[2, 3, 4], [4, 5]]) { t, v in t.matmul(v[0], v[1]) }
        GradientCheck.run("matmul-linear-layout", shapes: [[6, 4], [5, 4]]) { t, v in t.matmul(v[0], v[1], transposeWeight: true) }
        GradientCheck.run("matmul-vector", shapes: [[4], [4, 3]]) { t, v in t.matmul(v[0], v[1]) }
        for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
            let a = ta ? [2, 4, 3] : [2, 3, 4]
            let b = tb ? [2, 5, 4] : [2, 4, 5]
            GradientCheck.run("bmm-\(ta)-\(tb)", shapes: [a, b]) { t, v in t.batchedMatmul(v[0], v[1], transposeA: ta, transposeB: tb) }
        }
    }

    @Test func activations() {
        GradientCheck.run("gelu", shapes: [[3, 7]]) { t, v in t.gelu(v[0]) }
        GradientCheck.run("silu", shapes: [[3, 7]]) { t, v in t.silu(v[0]) }
        GradientCheck.run("tanh", shapes: [[3, 7]]) { t, v in t.tanh(v[0]) }
        GradientCheck.run("sigmoid", shapes: [[3, 7]]) { t, v in t.sigmoid(v[0]) }
        // ReLU's kink at 0 is hit with probability 0 by normal inputs.
        GradientCheck.run("relu", shapes: [[3, 7]]) { t, v in t.relu(v[0]) }
    }

    @Test func softmaxFamily() {
        GradientCheck.run("softmax", shapes: [[2, 3, 5]]) { t, v in t.softmax(v[0]) }
        let mask = Tensor<Double>(shape: [2, 1, 5], scalars: [0, 0, 0, -1e9, -1e9, 0, 0, 0, 0, -1e9])
        GradientCheck.run("softmax-masked", shapes: [[2, 3, 5]]) { t, v in t.softmax(v[0], additiveMask: mask) }
        GradientCheck.run("logSoftmax", shapes: [[4, 6]]) { t, v in t.logSoftmax(v[0]) }
    }

    @Test func normalisation() {
        GradientCheck.run("layerNorm", shapes: [[2, 3, 8], [8], [8]]) { t, v in t.layerNorm(v[0], gamma: v[1], beta: v[2], eps: 1e-5) }
        GradientCheck.run("batchNorm-train", shapes: [[6, 4], [4], [4]]) { t, v in
            t.batchNorm(v[0], gamma: v[1], beta: v[2], statistics: BatchNormStatistics(channels: 4))
        }
        let stats = BatchNormStatistics<Double>(channels: 4)
        stats.runningMean = Tensor(shape: [4], scalars: [0.1, -0.2, 0.3, 0])
        stats.runningVar = Tensor(shape: [4], scalars: [1.5, 0.5, 2, 1])
        GradientCheck.run("batchNorm-eval", shapes: [[6, 4], [4], [4]], training: false) { t, v in
            t.batchNorm(v[0], gamma: v[1], beta: v[2], statistics: stats)
        }
    }

    @Test func indexingAndShapes() {
        GradientCheck.run("embedding", shapes: [[5, 3]]) { t, v in t.embedding(v[0], ids: [4, 0, 4, 2]) }
        GradientCheck.run("reshape", shapes: [[2, 6]]) { t, v in t.reshape(v[0], [3, 4]) }
        GradientCheck.run("permute", shapes: [[2, 3, 4]]) { t, v in t.permute(v[0], [2, 0, 1]) }
        GradientCheck.run("concatenate", shapes: [[2, 3], [2, 2]]) { t, v in t.concatenate([v[0], v[1]], axis: 1) }
        GradientCheck.run("slice", shapes: [[3, 6, 2]]) { t, v in t.slice(v[0], axis: 1, 2..<5) }
        var stream = SeedBook(seed: 4).stream(.dropout)
        GradientCheck.run("dropout", shapes: [[4, 5]]) { t, v in
            var r = stream  // the same mask in every evaluation
            return t.dropout(v[0], p: 0.3, random: &r)
        }
        _ = stream.next()
        // Packed sequences (PackedSequences.swift): 3 samples of 3, 1 and 2 positions of 3.
        let rows = PackedRows(counts: [3, 1, 2], length: 3)
        GradientCheck.run("gatherRows", shapes: [[6, 4]]) { t, v in t.gatherRows(v[0], [5, 0, 3]) }
        GradientCheck.run("padded", shapes: [[6, 4]]) { t, v in t.padded(v[0], rows, width: 3) }
        GradientCheck.run("packed dropout", shapes: [[6, 4]]) { t, v in
            var r = stream
            return t.dropout(v[0], p: 0.3, random: &r, packed: rows)
        }
    }

    @Test func pooling() {
        for kind in PoolingKind.allCases {
            GradientCheck.run("pool-\(kind)", shapes: [[2, 5, 3]]) { t, v in t.pool(v[0], axis: 1, kind) }
        }
        GradientCheck.run("maskedMean", shapes: [[2, 4, 3]]) { t, v in t.maskedMean(v[0], lengths: [4, 2]) }
        for kind in PoolingKind.allCases {
            // Segments of 3, 1 and 4 rows: a one-row segment has a gradient of 1 at every place.
            GradientCheck.run("segmentPool-\(kind)", shapes: [[8, 3]]) { t, v in t.segmentPool(v[0], counts: [3, 1, 4], kind) }
        }
    }

    /// segmentPool replaces slice + pool + concatenate in the audio branch; it must give the same
    /// Float values and gradients bit for bit (so runs trained before it stay reproducible).
    @Test func segmentPoolEqualsSlicedPoolingBitForBit() {
        var r = SeedBook(seed: 9).stream(.initialization)
        let counts = [5, 1, 7, 2]
        let x = Tensor<Float>(shape: [15, 6], scalars: (0..<90).map { _ in Float(r.uniformDouble() * 2 - 1) })
        let seed = Tensor<Float>(shape: [4, 6], scalars: (0..<24).map { _ in Float(r.uniformDouble() * 2 - 1) })
        for kind in PoolingKind.allCases {
            let a = Variable(x, requiresGrad: true), b = Variable(x, requiresGrad: true)
            let ta = Tape<Float>(), tb = Tape<Float>()
            let fused = ta.segmentPool(a, counts: counts, kind)
            var rows: [Variable<Float>] = [], start = 0
            for n in counts {
                rows.append(tb.reshape(tb.pool(tb.slice(b, axis: 0, start..<(start + n)), axis: 0, kind), [1, -1]))
                start += n
            }
            let composed = tb.concatenate(rows, axis: 0)
            #expect(fused.value == composed.value, "\(kind) forward")
            ta.backward(fused, seed: seed)
            tb.backward(composed, seed: seed)
            #expect(a.grad == b.grad, "\(kind) gradient")
        }
    }

    @Test func sparseProductAndLoss() {
        let a = CSRMatrix<Double>(rows: 3, columns: 4, rowStart: [0, 2, 2, 5], columnIndex: [0, 3, 1, 2, 3],
                                  values: [0.5, -1, 2, 0.25, 1.5])
        GradientCheck.run("sparseMatmul", shapes: [[4, 3]]) { t, v in t.sparseMatmul(a, v[0]) }
        let targets = Tensor<Double>(shape: [6], scalars: [1, 0, 1, 1, 0, 0.3])
        GradientCheck.run("bceWithLogits", shapes: [[6]]) { t, v in t.bceWithLogits(v[0], targets: targets) }
    }
}

