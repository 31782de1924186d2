import CBLAS
import Foundation
import TensorCore

// Issue 31, point 3: the exact product (ours) beside OpenBLAS's cblas_sgemm, on every shape the
// encoder (MiniLM, batch 8 x 256 = 2048 rows, hidden 384, feed-forward 1536; attention per head:
// 256 x 256 scores over 32 dimensions) and the audio MLP (8 clips x 3000 frames = 24000 rows,
// 80 mel bins -> 256 -> 384) use, forward and backward: Y = X W^T, dX = dY W, dW = dY^T X.
// Two threads, median of 15 after a warm-up, one line per shape: `ours x GFLOP/s  OpenBLAS y
// GFLOP/s`. Ours runs on MatrixProductSettings.path (ATFLREC_GEMM_ISA, default the widest);
// OpenBLAS on the kernels this process loaded: the portable Haswell set by default, the CPU's
// own under ATFLREC_KERNELS=native (`make bench-gemm` runs the AVX2 path against Haswell and,
// on an AVX-512 CPU, the AVX-512 path against the native kernels).

struct GEMMShape {
    let family: String
    let m: Int, n: Int, k: Int
    let transA: Bool, transB: Bool
    var label: String { "\(m)x\(n)x\(k) \(transA ? "At" : "A")\(transB ? "Bt" : "B")" }
}

let gemmShapes: [GEMMShape] = {
    var shapes: [GEMMShape] = []
    // Encoder linear layers: input K -> output N over 2048 rows.
    for (family, inputs, outputs) in [("encoder 384->384", 384, 384), ("encoder 384->1536", 384, 1536),
                                      ("encoder 1536->384", 1536, 384)] {
        shapes.append(GEMMShape(family: family, m: 2048, n: outputs, k: inputs, transA: false, transB: true))   // Y = X W^T
        shapes.append(GEMMShape(family: family, m: 2048, n: inputs, k: outputs, transA: false, transB: false))  // dX = dY W
        shapes.append(GEMMShape(family: family, m: outputs, n: inputs, k: 2048, transA: true, transB: false))   // dW = dY^T X
    }
    // Attention of one head: S = Q K^T, O = P V; backward dV = P^T dO, dP = dO V^T, dQ = dS K, dK = dS^T Q.
    shapes.append(GEMMShape(family: "attention", m: 256, n: 256, k: 32, transA: false, transB: true))
    shapes.append(GEMMShape(family: "attention", m: 256, n: 32, k: 256, transA: false, transB: false))
    shapes.append(GEMMShape(family: "attention", m: 256, n: 32, k: 256, transA: true, transB: false))
    // Audio MLP over 24000 frames: 80 -> 256 -> 384.
    for (inputs, outputs) in [(80, 256), (256, 384)] {
        let family = "audio \(inputs)->\(outputs)"
        shapes.append(GEMMShape(family: family, m: 24000, n: outputs, k: inputs, transA: false, transB: true))
        shapes.append(GEMMShape(family: family, m: 24000, n: inputs, k: outputs, transA: false, transB: false))
        shapes.append(GEMMShape(family: family, m: outputs, n: inputs, k: 24000, transA: true, transB: false))
    }
    return shapes
}()

func gemmBenchmark() {
    let threads = 2, repetitions = 15, rounds = 3
    BLASThreads.set(threads)
    let path = MatrixProductSettings.path
    print("gemm: ours (exact-fma, \(path.rawValue) path) and OpenBLAS \(BLASCore.versionNumber) (\(BLASCore.current) kernels), "
          + "\(threads) threads, median of \(repetitions)")
    var ratios: [Double] = []
    for s in gemmShapes {
        let aCount = s.m * s.k, bCount = s.k * s.n
        let a = (0..<aCount).map { Float(($0 * 7919) % 2003) * 1e-3 - 1 }
        let b = (0..<bCount).map { Float(($0 * 104729) % 1999) * 1e-3 - 1 }
        var c = [Float](repeating: 0, count: s.m * s.n)
        let lda = s.transA ? s.m : s.k, ldb = s.transB ? s.k : s.n
        let flops = 2.0 * Double(s.m) * Double(s.n) * Double(s.k)
        // Ours and OpenBLAS alternate in 3 rounds of 5 repetitions each, so a shared machine's
        // drift (other work, clock changes) falls on both alike; not one call each in turn, where
        // each library's workers, still spinning after its call, would slow the other's next one.
        var times: [[Double]] = [[], []]
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    let (ap, bp, cp) = (ap.baseAddress!, bp.baseAddress!, cp.baseAddress!)
                    let products: [() -> Void] = [
                        { ExactProduct.gemm(path: path, threads: threads, transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k,
                                            alpha: 1, a: ap, lda: lda, b: bp, ldb: ldb, beta: 0, c: cp, ldc: s.n) },
                        { cblas_sgemm(CblasRowMajor, s.transA ? CblasTrans : CblasNoTrans, s.transB ? CblasTrans : CblasNoTrans,
                                      Int32(s.m), Int32(s.n), Int32(s.k), 1, ap, Int32(lda), bp, Int32(ldb), 0, cp, Int32(s.n)) },
                    ]
                    for _ in 0..<rounds {
                        for (i, product) in products.enumerated() {
                            product()  // warm-up: the other library's idle workers go to sleep
                            for _ in 0..<(repetitions / rounds) {
                                let start = DispatchTime.now().uptimeNanoseconds
                                product()
                                times[i].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                            }
                        }
                    }
                }
            }
        }
        let ours = flops / times[0].sorted()[times[0].count / 2] / 1e9
        let openBLAS = flops / times[1].sorted()[times[1].count / 2] / 1e9
        ratios.append(ours / openBLAS)
        print(String(format: "gemm %@ %@ %@  ours %6.1f GFLOP/s  OpenBLAS %6.1f GFLOP/s  ratio %.2f",
                     s.family.padding(toLength: 18, withPad: " ", startingAt: 0), s.label.padding(toLength: 20, withPad: " ", startingAt: 0),
                     path.rawValue, ours, openBLAS, ours / openBLAS))
    }
    let sorted = ratios.sorted()
    print(String(format: "gemm %@ summary: %d shapes, worst ratio %.2f, median ratio %.2f (goal: at least 0.90 on every line)",
                 path.rawValue, sorted.count, sorted.first!, sorted[sorted.count / 2]))
}
