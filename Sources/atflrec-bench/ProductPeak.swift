import Foundation
import TensorCore

/// The exact product's peak on this machine: GFLOP/s on the encoder's largest shape
/// (Y = X W^T, 2048 x 1536 x 384), the median of 15 repetitions after one warm-up. Shared by
/// `plan-efficiency` (a run's achieved rate against it) and `encoder` (the forward pass's floor).
func exactProductPeak(threads: Int) -> Double {
    let (m, n, k) = (2048, 1536, 384)
    let a = (0..<(m * k)).map { Float(($0 * 7919) % 2003) * 1e-3 - 1 }
    let b = (0..<(k * n)).map { Float(($0 * 104729) % 1999) * 1e-3 - 1 }
    var out = [Float](repeating: 0, count: m * n)
    var times: [Double] = []
    for repetition in 0..<16 {
        let t0 = DispatchTime.now().uptimeNanoseconds
        ExactProduct.gemm(path: MatrixProductSettings.path, threads: threads, transA: false, transB: true, m: m, n: n, k: k,
                          alpha: 1, a: a, lda: k, b: b, ldb: k, beta: 0, c: &out, ldc: n)
        if repetition > 0 { times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9) }
    }
    return 2.0 * Double(m * n * k) / times.sorted()[times.count / 2] / 1e9
}
