import CBLAS
import CGEMM
import Foundation
import Synchronization

// Which function computes a run's single-precision matrix products (issue 31).
//
// OpenBLAS's kernels of different CPU families split and order each output's sum over k
// differently, so their bits differ, and a trained run carries the difference into its weights
// (issue 25). Pinning OpenBLAS's Haswell kernels makes the bits the same on every AVX2 + FMA CPU
// but costs about 1.5x on AVX-512 machines, and the bits still hang on OpenBLAS's version, its
// blocking and its thread count. The exact product (Sources/CGEMM, BLIS's structure) computes
// every output element as the chain c = fma(a[i][k], b[k][j], c), k = 0, 1, ..., K-1, from 0 or
// from C: vectors span i and j, never k, and threads split the output. Then vector width,
// blocking, thread count and CPU cannot change a bit, and it runs at the CPU's full width.
//
// A configuration names its product (`numerics`); the runners select it for the whole process
// with `MatrixProductSettings.use`, as they pin the BLAS thread count. Double-precision products
// (finite-difference checks) always stay on OpenBLAS.

/// The single-precision matrix product of a run.
public enum MatrixProduct: String, Sendable, CaseIterable {
    /// OpenBLAS's cblas_sgemm with the kernels the process pinned (BLASCore): the product of
    /// every run made before issue 31.
    case openBLAS = "openblas"
    /// Our product: every output the sequential FMA chain over k, the same bits on every CPU.
    case exactFMA = "exact-fma"
}

/// The vector path of the exact product. Both give identical bits; AVX-512 is faster where it exists.
public enum GEMMPath: String, Sendable, Codable, CaseIterable {
    case avx2
    case avx512

    public static let environmentVariable = "ATFLREC_GEMM_ISA"

    var isa: cgemm_isa { self == .avx2 ? CGEMM_ISA_AVX2 : CGEMM_ISA_AVX512 }

    /// Whether this CPU (and its OS) can run the path.
    public var isSupported: Bool { cgemm_isa_supported(isa) != 0 }

    /// The widest path this CPU has (nil on a CPU without AVX2 and FMA).
    public static var widest: GEMMPath? {
        GEMMPath.avx512.isSupported ? .avx512 : (GEMMPath.avx2.isSupported ? .avx2 : nil)
    }

    /// The path `ATFLREC_GEMM_ISA` asks for (unset: the widest this CPU has). An unknown name or a
    /// path this CPU lacks is an error in one line.
    public static func from(environment: [String: String]) throws -> GEMMPath {
        guard let value = environment[environmentVariable], !value.isEmpty else {
            guard let widest else {
                throw BLASCoreError("the exact matrix product needs AVX2 and FMA, which this CPU lacks")
            }
            return widest
        }
        guard let path = GEMMPath(rawValue: value.lowercased()) else {
            throw BLASCoreError("\(environmentVariable)=\(value): expected avx2 or avx512")
        }
        guard path.isSupported else {
            throw BLASCoreError("\(environmentVariable)=\(value): this CPU has no \(path.cpuName) "
                + "(it has: \(GEMMPath.allCases.filter(\.isSupported).map(\.rawValue).joined(separator: ", ")))")
        }
        return path
    }

    var cpuName: String { self == .avx2 ? "AVX2 + FMA" : "AVX-512 (F, BW, VL, DQ)" }
}

/// Floating-point operations of the process's single-precision matrix products, 2 m n k per
/// product, counted from the shapes as `Float.gemm` is called (issue 29: a run's achieved
/// GFLOP/s against the product's peak, `atflrec-bench plan-efficiency`). Element-wise work is not
/// counted. One relaxed atomic add per product: nothing against the product itself.
public enum MatrixProductFLOPs {
    public static let counter = Atomic<Int>(0)

    @inlinable
    public static func add(m: Int, n: Int, k: Int) {
        counter.add(2 &* m &* n &* k, ordering: .relaxed)
    }

    public static var total: Int { counter.load(ordering: .relaxed) }
}

/// The process-wide choice of product, thread count and path.
public enum MatrixProductSettings {
    /// The product Float matrix products use: the exact product, the numerics of new runs, until
    /// a run selects its own (a committed `openblas` run pins OpenBLAS). The setting is
    /// process-wide, so it starts where new configurations start: a process whose runs all use
    /// the default never switches it while other work computes (tests run suites concurrently in
    /// one process; a switch between two products of one comparison moved its last bits).
    nonisolated(unsafe) public private(set) static var product: MatrixProduct = .exactFMA
    /// Threads of the exact product (OpenBLAS's own count is BLASThreads).
    nonisolated(unsafe) public private(set) static var threads = 1

    /// The exact product's path, from `ATFLREC_GEMM_ISA` once per process. Programs check the
    /// variable at start (BLASCore.pinAtStart) and stop there with its error; a process that did
    /// not (a test) stops at its first exact product with the same line.
    public static let path: GEMMPath = {
        do { return try GEMMPath.from(environment: ProcessInfo.processInfo.environment) } catch {
            FileHandle.standardError.write(Data("atflrec: \(error)\n".utf8))
            exit(1)
        }
    }()

    /// Selects the product of this process, with the thread count of the run (the exact
    /// product's bits do not depend on it; OpenBLAS's count is pinned by BLASThreads.set).
    public static func use(_ product: MatrixProduct, threads: Int) {
        self.product = product
        self.threads = max(1, threads)
        if product == .exactFMA { _ = path }
    }
}

/// The exact product itself (cgemm.h), with BLAS's alpha and beta.
public enum ExactProduct {
    /// C <- alpha op(A) op(B) + beta C, row-major, on `path` with `threads` threads.
    /// alpha = 1 with beta = 0 or 1 is the chain itself (from 0, or from C). Any other alpha or beta
    /// first forms T = op(A) op(B) by the chain, then C = alpha T (beta = 0: T is formed in C
    /// itself, as attention's scaled products need no buffer) or fma(alpha, T, beta C): one
    /// explicit rounding sequence, the same on every CPU.
    public static func gemm(path: GEMMPath, threads: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                            alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        if alpha == 1 && (beta == 0 || beta == 1) {
            cgemm_sgemm(path.isa, Int32(threads), transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, lda, b, ldb,
                        beta == 1 ? 1 : 0, c, ldc)
            return
        }
        if beta == 0 {
            cgemm_sgemm(path.isa, Int32(threads), transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, lda, b, ldb, 0, c, ldc)
            for i in 0..<m {
                let row = c + i * ldc
                for j in 0..<n { row[j] = alpha * row[j] }
            }
            return
        }
        let t = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
        defer { t.deallocate() }
        cgemm_sgemm(path.isa, Int32(threads), transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, lda, b, ldb, 0, t, n)
        for i in 0..<m {
            let row = c + i * ldc, ti = t + i * n
            for j in 0..<n { row[j] = (beta * row[j]).addingProduct(alpha, ti[j]) }
        }
    }
}

/// Where a product of many small independent ones runs (attention's per-head blocks): on the
/// run's threads like any product (`shared`), or whole on the calling thread (`callingThread`),
/// so that several can run side by side. Only the exact product may run on the calling thread:
/// its bits do not depend on its thread count, so both give the same bits (OpenBLAS rounds
/// differently with one and two threads, and Double products stay on OpenBLAS).
public enum BlockProduct {
    case shared
    case callingThread

    /// Threads for independent blocks side by side: `requested` (nil: the exact product's thread
    /// count) under the exact product in single precision, otherwise 1 (the blocks' products
    /// keep the run's thread count).
    public static func sideBySideWorkers<S: TensorScalar>(for _: S.Type, requested: Int?) -> Int {
        guard S.self == Float.self, MatrixProductSettings.product == .exactFMA else { return 1 }
        return Swift.max(1, requested ?? MatrixProductSettings.threads)
    }

    /// C <- alpha op(A) op(B) + beta C, as S.gemm; `callingThread` needs Float under the exact product.
    @inlinable
    public func gemm<S: TensorScalar>(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: S,
                                      a: UnsafePointer<S>, lda: Int, b: UnsafePointer<S>, ldb: Int,
                                      beta: S, c: UnsafeMutablePointer<S>, ldc: Int) {
        switch self {
        case .shared:
            S.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                   beta: beta, c: c, ldc: ldc)
        case .callingThread:
            precondition(S.self == Float.self && MatrixProductSettings.product == .exactFMA,
                         "a product on the calling thread needs Float under the exact product")
            MatrixProductFLOPs.add(m: m, n: n, k: k)
            ExactProduct.gemm(path: MatrixProductSettings.path, threads: 1, transA: transA, transB: transB, m: m, n: n, k: k,
                              alpha: Float(alpha),
                              a: UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), lda: lda,
                              b: UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), ldb: ldb,
                              beta: Float(beta), c: UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc: ldc)
        }
    }
}
