@testable import Autograd
import Foundation
import Synchronization
import SeededRandom
import TensorCore
import Testing
import TestSupport

/// The row kernels split among workers (TensorCore/RowParallel.swift) and the eight-rows-at-a-time
/// softmax reductions (Autograd/Ops/Attention.swift) claim the same bits as one row at a time on
/// one thread: committed paper runs must reproduce after the speed-up. These checks are exact
/// (==), in Float, at sizes large enough for the split to happen.
@Suite("Row-parallel kernels: same bits for any worker count", .serialized)
struct RowParallelKernelTests {
    static func floats(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var r = SeedBook(seed: seed).stream(.initialization)
        return (0..<count).map { _ in Float(r.normal()) * scale }
    }

    /// Runs `body` with the row kernels on `workers` workers.
    static func with<T>(workers: Int, _ body: () -> T) -> T {
        RowParallel.workerCountOverride = workers
        defer { RowParallel.workerCountOverride = nil }
        return body()
    }

    @Test func forEachCoversEveryRowOnceInContiguousChunks() {
        for workers in [1, 2, 3, 7] {
            let counts = Self.with(workers: workers) { () -> [Int] in
                var hits = [Int](repeating: 0, count: 1_000)
                hits.withUnsafeMutableBufferPointer { h in
                    RowParallel.forEach(rows: 1_000, minimumRows: 10) { rows in for r in rows { h[r] += 1 } }
                }
                return hits
            }
            #expect(counts.allSatisfy { $0 == 1 }, "\(workers) workers")
        }
    }

    @Test func softmaxEightRowsAtATimeEqualsOneRowAtATime() {
        let (rows, columns) = (21, 37)          // two groups of eight and a remainder of five
        var x = Self.floats(rows * columns, seed: 31, scale: 3)
        var expected = x
        for r in 0..<rows {                     // the one-row loop the grouped form replaced
            expected.withUnsafeMutableBufferPointer { e in
                let row = e.baseAddress! + r * columns
                var m = -Float.infinity
                for j in 0..<columns { m = Swift.max(m, row[j]) }
                for j in 0..<columns { row[j] -= m }
                vectorExpInPlace(row, count: columns)
                var s: Float = 0
                for j in 0..<columns { s += row[j] }
                let inv = 1 / s
                for j in 0..<columns { row[j] *= inv }
            }
        }
        x.withUnsafeMutableBufferPointer { Tape<Float>.softmaxInPlace($0.baseAddress!, rows: rows, columns: columns) }
        #expect(x == expected)

        let p = expected
        var d = Self.floats(rows * columns, seed: 32), dExpected = d
        for r in 0..<rows {
            var dot: Float = 0
            for j in 0..<columns { dot += dExpected[r * columns + j] * p[r * columns + j] }
            for j in 0..<columns { dExpected[r * columns + j] = p[r * columns + j] * (dExpected[r * columns + j] - dot) }
        }
        d.withUnsafeMutableBufferPointer { dp in
            p.withUnsafeBufferPointer { Tape<Float>.softmaxBackwardInPlace(dp.baseAddress!, probabilities: $0.baseAddress!, rows: rows, columns: columns) }
        }
        #expect(d == dExpected)
    }

    /// Output and input gradients of `op` on fresh copies of `inputs`, with `workers` workers.
    static func run(workers: Int, _ inputs: [[Float]], shapes: [[Int]],
                    _ op: (Tape<Float>, [Variable<Float>]) -> Variable<Float>) -> [[Float]] {
        with(workers: workers) {
            let vs = zip(inputs, shapes).map { Variable(Tensor(shape: $1, scalars: $0), requiresGrad: true) }
            let tape = Tape<Float>()
            let out = op(tape, vs)
            let w = Tensor<Float>(shape: out.shape, scalars: (0..<out.value.count).map { Float(sin(Double($0) * 0.7)) })
            tape.backward(tape.sum(tape.mul(out, tape.constant(w))))
            return [out.value.scalars] + vs.map { $0.grad?.scalars ?? [] }
        }
    }

    @Test func attentionLayerNormAndGeluGiveTheSameBitsOnOneOrThreeWorkers() {
        // Attention: 8 x 4 blocks of 128 x n keys (n up to 128): several blocks per worker.
        let (B, T, H, D) = (8, 128, 4, 8), C = H * D
        let lengths = [128, 100, 77, 128, 3, 128, 64, 1]
        let qkv = (0..<3).map { Self.floats(B * T * C, seed: 40 + UInt64($0)) }
        let attention = { (tape: Tape<Float>, v: [Variable<Float>]) in
            tape.attention(query: v[0], key: v[1], value: v[2], heads: H, lengths: lengths, scale: 0.35)
        }
        let a1 = Self.run(workers: 1, qkv, shapes: Array(repeating: [B, T, C], count: 3), attention)
        let a3 = Self.run(workers: 3, qkv, shapes: Array(repeating: [B, T, C], count: 3), attention)
        #expect(a1 == a3, "attention output and q, k, v gradients")

        // Residual LayerNorm: 4,096 rows of 64 (1,024 rows a worker at least).
        let (rows, width) = (4_096, 64)
        let ln = [Self.floats(rows * width, seed: 50), Self.floats(rows * width, seed: 51),
                  Self.floats(width, seed: 52), Self.floats(width, seed: 53)]
        let norm = { (tape: Tape<Float>, v: [Variable<Float>]) in tape.addLayerNorm(v[0], v[1], gamma: v[2], beta: v[3], eps: 1e-12) }
        let lnShapes = [[rows, width], [rows, width], [width], [width]]
        #expect(Self.run(workers: 1, ln, shapes: lnShapes, norm) == Self.run(workers: 3, ln, shapes: lnShapes, norm),
                "addLayerNorm output and gradients")

        // GELU: 262,147 elements (a tail that is not a multiple of 8).
        let g = [Self.floats(262_147, seed: 54, scale: 2)]
        let gelu = { (tape: Tape<Float>, v: [Variable<Float>]) in tape.geluErf(v[0]) }
        #expect(Self.run(workers: 1, g, shapes: [[262_147]], gelu) == Self.run(workers: 3, g, shapes: [[262_147]], gelu),
                "geluErf output and gradient")
    }

    /// Attention's (b, h) blocks side by side, each product on its own thread (exact product
    /// only: its bits do not depend on the thread count), against the phase order with shared
    /// products: output and q, k, v gradients bit for bit, with a sample of no valid key and a
    /// query prefix (Tq < T, the encoder's last layer).
    @Test func attentionBlocksSideBySideGiveTheBitsOfThePhaseOrder() {
        #expect(MatrixProductSettings.product == .exactFMA, "tests run under the default (exact) product")
        #expect(BlockProduct.sideBySideWorkers(for: Float.self, requested: 3) == 3)
        #expect(BlockProduct.sideBySideWorkers(for: Double.self, requested: 3) == 1, "Double stays on OpenBLAS")
        let (B, T, H, D) = (8, 96, 4, 8), C = H * D
        let lengths = [96, 70, 33, 0, 3, 96, 64, 1]
        for Tq in [T, 5] {
            let inputs = [Self.floats(B * Tq * C, seed: 70), Self.floats(B * T * C, seed: 71), Self.floats(B * T * C, seed: 72)]
            let shapes = [[B, Tq, C], [B, T, C], [B, T, C]]
            let results = [1, 2, 3, 5].map { workers in
                Self.run(workers: 1, inputs, shapes: shapes) { tape, v in
                    tape.attention(query: v[0], key: v[1], value: v[2], heads: H, lengths: lengths, scale: 0.35, blockWorkers: workers)
                }
            }
            for (i, r) in results.enumerated().dropFirst() {
                #expect(r == results[0], "Tq \(Tq): \([1, 2, 3, 5][i]) block workers against the phase order")
            }
            #expect(results[0][0].contains { $0 != 0 }, "a non-trivial output")
        }
    }

    @Test func blocksSideBySideDoEveryBlockOnce() {
        // Blocks of uneven sizes (P's offsets), one without keys left out as attention does.
        let sizes = [5, 0, 300, 1, 1, 64, 64, 7, 2_000, 3]
        var offsets = [0]
        for n in sizes { offsets.append(offsets.last! + n) }
        let blocks = sizes.indices.filter { sizes[$0] > 0 }
        for workers in [1, 2, 3, 4, 16] {
            let hits = Mutex([Int](repeating: 0, count: sizes.count))
            RowParallel.forEach(blocks: blocks, offsets: offsets, workers: workers) { bh in hits.withLock { $0[bh] += 1 } }
            #expect(hits.withLock { $0 } == sizes.map { $0 > 0 ? 1 : 0 }, "\(workers) workers")
        }
    }

    @Test func batchNormAndSiLUGiveTheSameBitsOnOneOrThreeWorkers() {
        // 8,192 frames of 32 channels: channel sums split in four, rows in four.
        let (n, c) = (8_192, 32)
        let inputs = [Self.floats(n * c, seed: 60, scale: 2), Self.floats(c, seed: 61), Self.floats(c, seed: 62)]
        let shapes = [[n, c], [c], [c]]
        for training in [true, false] {
            var runningMeans: [[Float]] = []
            let results = [1, 3].map { workers -> [[Float]] in
                let statistics = BatchNormStatistics<Float>(channels: c)
                statistics.runningMean = Tensor(shape: [c], scalars: Self.floats(c, seed: 63))
                let out = Self.with(workers: workers) { () -> [[Float]] in
                    let vs = zip(inputs, shapes).map { Variable(Tensor(shape: $1, scalars: $0), requiresGrad: true) }
                    let tape = Tape<Float>(training: training)
                    let y = tape.batchNorm(vs[0], gamma: vs[1], beta: vs[2], statistics: statistics)
                    let w = Tensor<Float>(shape: y.shape, scalars: (0..<y.value.count).map { Float(sin(Double($0) * 0.7)) })
                    tape.backward(tape.sum(tape.mul(y, tape.constant(w))))
                    return [y.value.scalars] + vs.map { $0.grad!.scalars }
                }
                runningMeans.append(statistics.runningMean.scalars + statistics.runningVar.scalars)
                return out
            }
            #expect(results[0] == results[1], "batchNorm (training \(training)) output and gradients")
            #expect(runningMeans[0] == runningMeans[1], "running statistics (training \(training))")
        }
        let x = [Self.floats(131_075, seed: 64, scale: 4)]
        let silu = { (tape: Tape<Float>, v: [Variable<Float>]) in tape.silu(v[0]) }
        #expect(Self.run(workers: 1, x, shapes: [[131_075]], silu) == Self.run(workers: 3, x, shapes: [[131_075]], silu),
                "silu output and gradient")
    }
}
