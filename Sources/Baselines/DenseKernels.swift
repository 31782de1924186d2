import Foundation
import TensorCore

// The few dense operations the baselines need, each forward beside its backward. Matrix products
// go through the run's product (TensorCore's Float.gemm: OpenBLAS or the exact one); element-wise work is plain loops over small rows.
// Shapes: R rows (positions or nodes), I input features, O output features.

@inline(__always)
func gemm(
    _ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
    _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
    beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int
) {
    Float.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
               beta: beta, c: c, ldc: ldc)
}

/// Y (R x O) = X (R x I) W^T + b, with W (O x I) as torch.nn.Linear stores it; bias optional.
func linearForward(_ x: [Float], rows: Int, inputs: Int, weight: [Float], bias: [Float]?, outputs: Int) -> [Float] {
    var y = [Float](repeating: 0, count: rows * outputs)
    if let bias {
        for r in 0..<rows { for o in 0..<outputs { y[r * outputs + o] = bias[o] } }
    }
    guard rows > 0 else { return y }
    x.withUnsafeBufferPointer { xp in
        weight.withUnsafeBufferPointer { wp in
            y.withUnsafeMutableBufferPointer { yp in
                gemm(false, true, m: rows, n: outputs, k: inputs, xp.baseAddress!, lda: inputs,
                     wp.baseAddress!, ldb: inputs, beta: bias == nil ? 0 : 1, yp.baseAddress!, ldc: outputs)
            }
        }
    }
    return y
}

/// Backward of `linearForward` for X and W: accumulates dW += dY^T X and returns dX = dY W.
/// The bias gradient is `accumulateColumnSums(dy, ...)`.
func linearBackward(
    _ dy: [Float], x: [Float], rows: Int, inputs: Int, weight: [Float], outputs: Int,
    dWeight: inout [Float]
) -> [Float] {
    var dx = [Float](repeating: 0, count: rows * inputs)
    guard rows > 0 else { return dx }
    dy.withUnsafeBufferPointer { dyp in
        x.withUnsafeBufferPointer { xp in
            dWeight.withUnsafeMutableBufferPointer { dwp in
                gemm(true, false, m: outputs, n: inputs, k: rows, dyp.baseAddress!, lda: outputs,
                     xp.baseAddress!, ldb: inputs, beta: 1, dwp.baseAddress!, ldc: inputs)
            }
        }
        weight.withUnsafeBufferPointer { wp in
            dx.withUnsafeMutableBufferPointer { dxp in
                gemm(false, false, m: rows, n: inputs, k: outputs, dyp.baseAddress!, lda: outputs,
                     wp.baseAddress!, ldb: inputs, beta: 0, dxp.baseAddress!, ldc: inputs)
            }
        }
    }
    return dx
}

/// db += column sums of dY (R x O): the gradient of a bias added to every row.
func accumulateColumnSums(_ dy: [Float], rows: Int, columns: Int, into db: inout [Float]) {
    for r in 0..<rows { for o in 0..<columns { db[o] += dy[r * columns + o] } }
}

/// LayerNorm over the last axis (torch.nn.LayerNorm): y = (x - mean) / sqrt(var + eps) * w + b,
/// biased variance. Keeps the normalised rows and 1/std for the backward.
struct LayerNormCache {
    var normalized: [Float]   // R x C
    var inverseStd: [Float]   // R
}

func layerNormForward(_ x: [Float], rows: Int, width: Int, weight: [Float], bias: [Float], eps: Float)
    -> (y: [Float], cache: LayerNormCache)
{
    var y = [Float](repeating: 0, count: rows * width)
    var xhat = y
    var inv = [Float](repeating: 0, count: rows)
    for r in 0..<rows {
        let base = r * width
        // Two-pass mean and variance in Double: the rows are short and eps may be 1e-12.
        var mean = 0.0
        for c in 0..<width { mean += Double(x[base + c]) }
        mean /= Double(width)
        var variance = 0.0
        for c in 0..<width { let d = Double(x[base + c]) - mean; variance += d * d }
        variance /= Double(width)
        let istd = 1.0 / (variance + Double(eps)).squareRoot()
        inv[r] = Float(istd)
        for c in 0..<width {
            let h = Float((Double(x[base + c]) - mean) * istd)
            xhat[base + c] = h
            y[base + c] = h * weight[c] + bias[c]
        }
    }
    return (y, LayerNormCache(normalized: xhat, inverseStd: inv))
}

/// dx = istd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * w; dw += dy * xhat; db += dy.
func layerNormBackward(
    _ dy: [Float], cache: LayerNormCache, rows: Int, width: Int, weight: [Float],
    gradients: inout ParameterSet, weightIndex: Int, biasIndex: Int
) -> [Float] {
    var dWeight = gradients.values[weightIndex], dBias = gradients.values[biasIndex]
    defer {
        gradients.values[weightIndex] = dWeight
        gradients.values[biasIndex] = dBias
    }
    var dx = [Float](repeating: 0, count: rows * width)
    for r in 0..<rows {
        let base = r * width
        var meanG: Float = 0, meanGX: Float = 0
        for c in 0..<width {
            let g = dy[base + c] * weight[c]
            meanG += g
            meanGX += g * cache.normalized[base + c]
            dWeight[c] += dy[base + c] * cache.normalized[base + c]
            dBias[c] += dy[base + c]
        }
        meanG /= Float(width)
        meanGX /= Float(width)
        for c in 0..<width {
            let g = dy[base + c] * weight[c]
            dx[base + c] = cache.inverseStd[r] * (g - meanG - cache.normalized[base + c] * meanGX)
        }
    }
    return dx
}

/// GELU with the exact erf form RecBole uses: x * 0.5 * (1 + erf(x / sqrt 2)).
@inline(__always)
func gelu(_ x: Float) -> Float { x * 0.5 * (1 + erf(x / 2.0.squareRoot().float)) }

/// d gelu / dx = Phi(x) + x * phi(x).
@inline(__always)
func geluDerivative(_ x: Float) -> Float {
    let cdf = 0.5 * (1 + erf(x / 2.0.squareRoot().float))
    let pdf = exp(-0.5 * x * x) / (2 * Float.pi).squareRoot()
    return cdf + x * pdf
}

@inline(__always)
func sigmoid(_ x: Float) -> Float {
    // Split by sign so exp never overflows.
    if x >= 0 { return 1 / (1 + exp(-x)) }
    let e = exp(x)
    return e / (1 + e)
}

extension Double {
    fileprivate var float: Float { Float(self) }
}

/// Xavier/Glorot uniform bound sqrt(6 / (fanIn + fanOut)) (torch.nn.init.xavier_uniform_).
func xavierBound(fanIn: Int, fanOut: Int) -> Float {
    Float((6.0 / Double(fanIn + fanOut)).squareRoot())
}
