import CBLAS
import Foundation

/// The element types tensors hold: Float for training and inference, Double for the
/// finite-difference gradient checks (every op runs unchanged in both). Each type brings its
/// BLAS routine and the transcendental functions the kernels need, so generic kernels specialise
/// to straight calls.
public protocol TensorScalar: BinaryFloatingPoint, Sendable, Codable where Self.RawSignificand: FixedWidthInteger {
    /// C <- alpha * op(A) op(B) + beta * C, row-major (Float: the run's MatrixProduct; Double: cblas_dgemm).
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func erf(_ x: Self) -> Self
}

extension Float: TensorScalar {
    @inlinable
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        MatrixProductFLOPs.add(m: m, n: n, k: k)
        // The run's product (MatrixProduct.swift): OpenBLAS, or ours with the same bits on every CPU.
        switch MatrixProductSettings.product {
        case .openBLAS:
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        case .exactFMA:
            ExactProduct.gemm(path: MatrixProductSettings.path, threads: MatrixProductSettings.threads,
                              transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                              b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }
    @inlinable public static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    @inlinable public static func log(_ x: Float) -> Float { Foundation.log(x) }
    @inlinable public static func log1p(_ x: Float) -> Float { Foundation.log1p(x) }
    @inlinable public static func tanh(_ x: Float) -> Float { Foundation.tanh(x) }
    @inlinable public static func erf(_ x: Float) -> Float { Foundation.erf(x) }
}

extension Double: TensorScalar {
    @inlinable
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                            a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    @inlinable public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    @inlinable public static func log(_ x: Double) -> Double { Foundation.log(x) }
    @inlinable public static func log1p(_ x: Double) -> Double { Foundation.log1p(x) }
    @inlinable public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
    @inlinable public static func erf(_ x: Double) -> Double { Foundation.erf(x) }
}

/// OpenBLAS thread count. OpenBLAS otherwise starts one thread per core at load time; runs pin
/// the count from their configuration so timings and any thread-dependent rounding are fixed.
/// NOTE: the count is process-wide. OpenBLAS's sgemm does round differently with 1 and 2
/// threads for some shapes, so two runs in one process (tests) must use the same count.
public enum BLASThreads {
    public static func set(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    public static var current: Int { Int(openblas_get_num_threads()) }

    /// Lets OpenBLAS's idle workers sleep after about 2^`log2Cycles` cycles of waiting (about
    /// 0.4 ms at 20) instead of its default 2^28 (about 0.1 s). Between two GEMMs the worker
    /// spins on a core; with the default it spun through every element-wise pass, so the row
    /// kernels' second worker (RowParallel) found no free core: measured on the MiniLM forward
    /// pass (2 threads), 395 ms with the default, 306 ms at 20, 310 ms at 4 (too eager: each GEMM
    /// then wakes a sleeping thread). Changes no value, only waiting. A user's own
    /// OPENBLAS_THREAD_TIMEOUT wins. Call once at program start, before BLAS is used from other
    /// threads: the workers started at load stop here and are started again at once with the
    /// new timeout. The restart is explicit, not left to OpenBLAS's lazy one after fork: with
    /// the pool left down, raising the thread count later (BLASThreads.set) would create a
    /// worker and the lazy restart a second one for the same slot.
    public static func sleepWhenIdle(log2Cycles: Int = 20) {
        #if os(Linux)
        setenv("OPENBLAS_THREAD_TIMEOUT", String(log2Cycles), 0)
        openblasReadEnvironment()
        _ = openblasThreadShutdown()
        _ = openblasThreadInit()
        #endif
    }
}

#if os(Linux)
// Exported by libopenblas (driver/others/openblas_env.c, driver/others/blas_server.c) but not
// declared in cblas.h.
@_silgen_name("openblas_read_env")
private func openblasReadEnvironment()
@_silgen_name("blas_thread_shutdown_")
private func openblasThreadShutdown() -> Int32
@_silgen_name("blas_thread_init")
private func openblasThreadInit() -> Int32
#endif
