import CBLAS
import Foundation
import TensorCore

// GFLOPS of the tensor core's matmul beside raw cblas_sgemm on the same shapes, with 1 and 2
// BLAS threads. The tensor path adds array allocation and the shape checks; the ratio shows
// what that costs.

func matmulBenchmark() {
    let shapes: [(String, Int, Int, Int, Bool, Bool)] = [
        ("1024x1024 @ 1024x1024", 1024, 1024, 1024, false, false),
        ("2048x384 @ 384x1536", 2048, 384, 1536, false, false),
        ("2048x1536 @ (384x1536)^T", 2048, 1536, 384, false, true),
        ("(2048x384)^T @ 2048x1536", 384, 2048, 1536, true, false),
    ]
    print("matmul: GFLOPS (best of 5) through Tensor.matmul and raw cblas_sgemm")
    print("threads  shape                          tensor   cblas   ratio")
    for threads in [1, 2] {
        BLASThreads.set(threads)
        for (label, m, k, n, ta, tb) in shapes {
            let a = Tensor<Float>(shape: ta ? [k, m] : [m, k], scalars: (0..<(m * k)).map { Float($0 % 17) * 0.01 })
            let b = Tensor<Float>(shape: tb ? [n, k] : [k, n], scalars: (0..<(k * n)).map { Float($0 % 13) * 0.01 })
            let flops = 2.0 * Double(m) * Double(n) * Double(k)
            func best(_ body: () -> Void) -> Double {
                body()  // warm-up
                var t = Double.infinity
                for _ in 0..<5 {
                    let start = DispatchTime.now().uptimeNanoseconds
                    body()
                    t = min(t, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                }
                return flops / t / 1e9
            }
            var sink: Float = 0
            let tensor = best { sink += a.matmul(b, transposeSelf: ta, transposeOther: tb).scalars[0] }
            var c = [Float](repeating: 0, count: m * n)
            let raw = best {
                a.scalars.withUnsafeBufferPointer { ap in
                    b.scalars.withUnsafeBufferPointer { bp in
                        c.withUnsafeMutableBufferPointer { cp in
                            cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                                        Int32(m), Int32(n), Int32(k), 1, ap.baseAddress, Int32(ta ? m : k),
                                        bp.baseAddress, Int32(tb ? k : n), 0, cp.baseAddress, Int32(n))
                        }
                    }
                }
            }
            let padded = label.padding(toLength: 29, withPad: " ", startingAt: 0)
            print(String(format: "%7d  ", threads) + padded + String(format: " %7.1f %7.1f %7.2f", tensor, raw, tensor / raw))
            if sink.isNaN { print("") }
        }
    }
}
