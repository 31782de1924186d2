// Issue 31, point 2: the exact product (Sources/CGEMM through TensorCore.ExactProduct) equals a
// plain scalar loop of fused multiply-adds, c = fma(a[i][k], b[k][j], c) for k = 0..K-1 from 0
// (or from C), bit for bit: no tolerance, because the invariant is that every output element IS
// that chain. Shapes cover 1 to about 2,000 in each of M, N, K (primes, the AVX2 tile 6 x 16 and
// the AVX-512 tile 12 x 32 and their edges, the k-block 384 and its neighbours), all four
// transpose combinations, accumulate or not, operands with leading dimensions wider than the
// matrix, and 1 to 4 threads. Every path this CPU has is run; a path it lacks is reported as not
// run (a disabled test with the reason), never counted as passed.
import Foundation
import SeededRandom
import Testing
@testable import TensorCore

/// One product to check: shape, transposes, padding of each leading dimension, accumulate.
struct ExactCase: CustomStringConvertible, Sendable {
    var m: Int, n: Int, k: Int
    var transA: Bool, transB: Bool
    var accumulate: Bool
    var pad: Int  // extra floats per row of every operand (strided operands when > 0)
    var description: String { "\(m)x\(n)x\(k) tA=\(transA) tB=\(transB) acc=\(accumulate) pad=\(pad)" }
}

enum ExactCases {
    /// Hand-picked edges plus seeded random shapes; the large cases keep the other two dimensions
    /// small so the scalar reference stays fast (about 3e8 fused multiply-adds in all).
    static let all: [ExactCase] = {
        var shapes: [(Int, Int, Int)] = [
            (1, 1, 1), (1, 1, 7), (6, 16, 1), (5, 15, 3), (7, 17, 9), (12, 32, 64), (11, 31, 65), (13, 33, 383),
            (6, 16, 384), (6, 16, 385), (120, 48, 767), (121, 47, 769), (240, 64, 256), (241, 65, 257),
            (2003, 17, 31), (19, 1999, 23), (7, 9, 2011), (97, 101, 103), (384, 96, 384), (64, 1536, 37),
        ]
        var r = RandomStream(seed: 31, purpose: "exact-product-shapes")
        for _ in 0..<14 {
            shapes.append((1 + r.int(below: 300), 1 + r.int(below: 300), 1 + r.int(below: 600)))
        }
        var cases: [ExactCase] = []
        for (index, (m, n, k)) in shapes.enumerated() {
            for transpose in 0..<4 {
                cases.append(ExactCase(m: m, n: n, k: k, transA: transpose & 1 != 0, transB: transpose & 2 != 0,
                                       accumulate: (index + transpose) % 2 == 1, pad: (index + transpose) % 3 == 0 ? 0 : 5))
            }
        }
        return cases
    }()
}

/// Operands and the scalar reference of one case.
struct ExactProblem {
    let c: ExactCase
    let lda: Int, ldb: Int, ldc: Int
    let a: [Float], b: [Float], c0: [Float]

    init(_ c: ExactCase) {
        self.c = c
        // Stored shapes: A is M x K (K x M when transposed), B is K x N (N x K when transposed).
        let aRows = c.transA ? c.k : c.m, aCols = c.transA ? c.m : c.k
        let bRows = c.transB ? c.n : c.k, bCols = c.transB ? c.k : c.n
        lda = aCols + c.pad; ldb = bCols + c.pad; ldc = c.n + c.pad
        var r = RandomStream(seed: 31, purpose: "exact-product \(c)")
        // Normal values: sums of products of mixed signs, where any reordering would show in the bits.
        a = (0..<(aRows * lda)).map { _ in r.normal() }
        b = (0..<(bRows * ldb)).map { _ in r.normal() }
        c0 = (0..<(c.m * ldc)).map { _ in r.normal() }
    }

    /// The definition: a plain scalar loop of fused multiply-adds in k order.
    func reference(fromZero: Bool = false) -> [Float] {
        var out = c0
        for i in 0..<c.m {
            for j in 0..<c.n {
                var s: Float = c.accumulate && !fromZero ? c0[i * ldc + j] : 0
                for p in 0..<c.k {
                    let x = c.transA ? a[p * lda + i] : a[i * lda + p]
                    let y = c.transB ? b[j * ldb + p] : b[p * ldb + j]
                    s = s.addingProduct(x, y)
                }
                out[i * ldc + j] = s
            }
        }
        return out
    }

    func product(path: GEMMPath, threads: Int) -> [Float] {
        var out = c0
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                out.withUnsafeMutableBufferPointer { cp in
                    ExactProduct.gemm(path: path, threads: threads, transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k,
                                      alpha: 1, a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: ldb,
                                      beta: c.accumulate ? 1 : 0, c: cp.baseAddress!, ldc: ldc)
                }
            }
        }
        return out
    }
}

/// Bits of the first differing element, for the failure message (nil: identical, gaps included).
func firstDifference(_ x: [Float], _ y: [Float]) -> String? {
    guard x.count == y.count else { return "\(x.count) elements vs \(y.count)" }
    guard let i = x.indices.first(where: { x[$0].bitPattern != y[$0].bitPattern }) else { return nil }
    return "element \(i): \(x[i]) (0x\(String(x[i].bitPattern, radix: 16))) vs \(y[i]) (0x\(String(y[i].bitPattern, radix: 16)))"
}

@Suite("Exact matrix product: the sequential FMA chain, bit for bit")
struct ExactProductTests {
    static func check(path: GEMMPath) {
        var checked = 0
        for c in ExactCases.all {
            let problem = ExactProblem(c)
            let expected = problem.reference()
            for threads in 1...4 {
                if let d = firstDifference(problem.product(path: path, threads: threads), expected) {
                    Issue.record("\(path) \(c) threads=\(threads): differs from the scalar fmaf loop at \(d)")
                    return
                }
                checked += 1
            }
        }
        // Also the untouched gap between rows (ldc > N) is compared above: only M x N elements change.
        #expect(checked == ExactCases.all.count * 4)
    }

    @Test("AVX2 + FMA path", .enabled(if: GEMMPath.avx2.isSupported, "this CPU has no AVX2 + FMA: the AVX2 path was NOT run"))
    func avx2PathIsTheScalarChain() { Self.check(path: .avx2) }

    @Test("AVX-512 path", .enabled(if: GEMMPath.avx512.isSupported, "this CPU has no AVX-512 (F, BW, VL, DQ): the AVX-512 path was NOT run"))
    func avx512PathIsTheScalarChain() { Self.check(path: .avx512) }

    /// alpha and beta other than the chain's own 1 and 0/1 (attention's scale): T by the chain,
    /// then alpha T or fma(alpha, T, beta C), the same on every path and thread count.
    @Test func alphaAndBetaFollowTheirDefinition() throws {
        let paths = GEMMPath.allCases.filter(\.isSupported)
        try #require(!paths.isEmpty, "this CPU has no path of the exact product")
        for (alpha, beta) in [(Float(0.125), Float(0)), (0.125, 1), (-2.5, 0.75), (1, 0.5)] {
            for c in ExactCases.all.prefix(24) {
                let problem = ExactProblem(c)
                let chain = problem.reference(fromZero: true)
                var expected = problem.c0
                for i in 0..<c.m {
                    for j in 0..<c.n {
                        let x = chain[i * problem.ldc + j]
                        expected[i * problem.ldc + j] = beta == 0 ? alpha * x : (beta * problem.c0[i * problem.ldc + j]).addingProduct(alpha, x)
                    }
                }
                for path in paths {
                    for threads in [1, 3] {
                        var out = problem.c0
                        problem.a.withUnsafeBufferPointer { ap in
                            problem.b.withUnsafeBufferPointer { bp in
                                out.withUnsafeMutableBufferPointer { cp in
                                    ExactProduct.gemm(path: path, threads: threads, transA: c.transA, transB: c.transB,
                                                      m: c.m, n: c.n, k: c.k, alpha: alpha, a: ap.baseAddress!, lda: problem.lda,
                                                      b: bp.baseAddress!, ldb: problem.ldb, beta: beta, c: cp.baseAddress!, ldc: problem.ldc)
                                }
                            }
                        }
                        if let d = firstDifference(out, expected) {
                            Issue.record("\(path) \(c) alpha=\(alpha) beta=\(beta) threads=\(threads): \(d)")
                            return
                        }
                    }
                }
            }
        }
    }

    /// K = 0 gives zeros (or leaves C when accumulating); M or N = 0 writes nothing.
    @Test func emptyDimensions() throws {
        let path = try #require(GEMMPath.widest)
        var c: [Float] = [3, 4, 5, 6]
        let a: [Float] = [1], b: [Float] = [1]
        ExactProduct.gemm(path: path, threads: 2, transA: false, transB: false, m: 2, n: 2, k: 0, alpha: 1, a: a, lda: 1,
                          b: b, ldb: 2, beta: 1, c: &c, ldc: 2)
        #expect(c == [3, 4, 5, 6])
        ExactProduct.gemm(path: path, threads: 2, transA: false, transB: false, m: 2, n: 2, k: 0, alpha: 1, a: a, lda: 1,
                          b: b, ldb: 2, beta: 0, c: &c, ldc: 2)
        #expect(c == [0, 0, 0, 0])
        c = [7]
        ExactProduct.gemm(path: path, threads: 2, transA: false, transB: false, m: 0, n: 1, k: 1, alpha: 1, a: a, lda: 1,
                          b: b, ldb: 1, beta: 0, c: &c, ldc: 1)
        #expect(c == [7])
    }

    /// ATFLREC_GEMM_ISA: unset is the widest path; an unknown name or a path the CPU lacks is one line.
    @Test func pathFromTheEnvironment() throws {
        #expect(try GEMMPath.from(environment: [:]) == GEMMPath.widest)
        #expect(try GEMMPath.from(environment: ["ATFLREC_GEMM_ISA": "AVX2"]) == .avx2)
        #expect(throws: BLASCoreError.self) { try GEMMPath.from(environment: ["ATFLREC_GEMM_ISA": "sse2"]) }
        do {
            _ = try GEMMPath.from(environment: ["ATFLREC_GEMM_ISA": "sse2"])
        } catch {
            #expect("\(error)" == "ATFLREC_GEMM_ISA=sse2: expected avx2 or avx512")
        }
        if !GEMMPath.avx512.isSupported {
            do {
                _ = try GEMMPath.from(environment: ["ATFLREC_GEMM_ISA": "avx512"])
                Issue.record("avx512 accepted on a CPU without it")
            } catch {
                #expect("\(error)".hasPrefix("ATFLREC_GEMM_ISA=avx512: this CPU has no AVX-512") && !"\(error)".contains("\n"))
            }
        }
    }
}

/// `MatrixProductFLOPs` (issue 29, plan efficiency) counts 2 m n k for each Float product, under
/// either product. Other tests run products at the same time, so the count grows by at least that.
@Suite("Matrix product FLOP count")
struct MatrixProductFLOPsTests {
    @Test func eachProductAddsTwiceItsMultiplyAdds() {
        let (m, n, k) = (37, 23, 1001)
        let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        let before = MatrixProductFLOPs.total
        Float.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 0, c: &c, ldc: n)
        let grown = MatrixProductFLOPs.total - before
        #expect(grown >= 2 * m * n * k, "grew by \(grown)")
        #expect(c.allSatisfy { $0 == 0.125 * Float(k) })
    }
}
