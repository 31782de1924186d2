// The small problem of Tests/Fixtures/optim/make_adam_fixture.py, with its gradient in closed
// form (no autograd): w (3 x 4), b (4);
//   grad_w = Q (w - target_w),   grad_b = c * (b - target_b) + 0.1 * b^3,
// where micro-batch i shifts the targets by +0.1 (w) and -0.05 (b) times i. Constants are built
// as the script builds them: a Python double rounded to float32.

enum QuadraticProblem {
    static let q: [Float] = [2.0, 0.5, 0.0, 0.5, 1.0, 0.25, 0.0, 0.25, 1.5]  // Q (3 x 3), row-major
    static let c: [Float] = [1.0, 2.0, 0.5, 1.5]
    static let targetB: [Float] = [1.1, -1.0, 0.5, -0.9]

    static var initialW: [Float] {
        (0..<3).flatMap { i in (0..<4).map { j in Float(0.1 * Double(i * 4 + j) + 0.5) } }
    }
    static let initialB: [Float] = [1.3, -1.2, 0.8, -1.1]

    static func targetW(micro: Int) -> [Float] {
        let shift = Float(0.1 * Double(micro))
        return (0..<3).flatMap { i in (0..<4).map { j in Float(1.0 + 0.05 * Double(i - j)) + shift } }
    }

    /// Gradients of micro-batch `micro` at (w, b).
    static func gradients(w: [Float], b: [Float], micro: Int = 0) -> [[Float]] {
        let tw = targetW(micro: micro)
        let d = (0..<12).map { w[$0] - tw[$0] }  // w - target_w (3 x 4)
        var gw = [Float](repeating: 0, count: 12)
        for i in 0..<3 {
            for j in 0..<4 {
                var s: Float = 0
                for k in 0..<3 { s += q[i * 3 + k] * d[k * 4 + j] }
                gw[i * 4 + j] = s
            }
        }
        let shiftB = Float(0.05 * Double(micro))
        let gb = (0..<4).map { j -> Float in
            let cube = b[j] * b[j] * b[j]
            return c[j] * (b[j] - (targetB[j] - shiftB)) + Float(0.1) * cube
        }
        return [gw, gb]
    }
}
