import Foundation
import Testing
@testable import Autograd

/// The SIMD8 exp and erf of Sources/Autograd/Ops/VectorMath.swift against Double libm.
@Suite("SIMD exp and erf")
struct VectorMathTests {
    static let grid: [Float] = (0..<8000).map { Float($0 - 4000) * 0.01 + 0.00123 }   // -40 ... 40

    @Test func expIsWithinAFewUlps() {
        var worst: Double = 0
        for start in stride(from: 0, to: Self.grid.count, by: 8) {
            let x = SIMD8<Float>((0..<8).map { Self.grid[start + $0] * 2 })            // -80 ... 80
            let y = vectorExp(x)
            for j in 0..<8 {
                let exact = Foundation.exp(Double(x[j]))
                worst = max(worst, abs(Double(y[j]) - exact) / exact)
            }
        }
        // Cephes expf: about 2 ulp (float ulp 1.19e-7 relative); 4e-7 leaves margin.
        #expect(worst < 4e-7, "worst relative error \(worst)")
        #expect(vectorExp(SIMD8(repeating: -1000))[0] < 1e-37)        // clamped, no NaN
    }

    @Test func erfIsWithinTheAbramowitzStegunBound() {
        var worst: Double = 0
        for start in stride(from: 0, to: Self.grid.count, by: 8) {
            let x = SIMD8<Float>((0..<8).map { Self.grid[start + $0] * 0.15 })          // -6 ... 6
            let y = vectorErf(x)
            for j in 0..<8 { worst = max(worst, abs(Double(y[j]) - Foundation.erf(Double(x[j])))) }
        }
        // A&S 7.1.26: 1.5e-7 absolute, plus float32 rounding of the evaluation near |erf| = 1
        // (a few ulp of 1 = 1.2e-7 each; 4.4e-7 measured): 6e-7.
        #expect(worst < 6e-7, "worst absolute error \(worst)")
    }
}
