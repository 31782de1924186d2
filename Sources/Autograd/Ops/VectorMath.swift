// SIMD8 exp and erf for the Float hot loops of the encoder ops (softmax rows, GELU), where libm's
// scalar expf/erff took about 16% of a MiniLM forward pass. Double keeps libm (the finite-
// difference checks run in Double).
//   exp: Cephes expf (S. Moshier): n = round(x log2 e), r = x - n ln2 (ln2 split in two
//        constants), degree-6 polynomial, times 2^n built in the exponent bits; inputs clamped to
//        [-88.38, 88.38] (below that the result is ~1e-38 or 0). Relative error about 2 ulp.
//   erf: Abramowitz & Stegun 7.1.26: 1 - (a1 t + ... + a5 t^5) exp(-x^2), t = 1 / (1 + p |x|),
//        odd in x; absolute error at most 1.5e-7 in exact arithmetic, 4.4e-7 measured in float32
//        (a few ulp of 1), far below the 1e-4 the encoder is held to.

/// min(max(x, lo), hi) by masks (SIMD's clamped(lowerBound:upperBound:) is not inlined).
@inline(__always)
func clamp(_ x: SIMD8<Float>, _ lo: Float, _ hi: Float) -> SIMD8<Float> {
    var y = x.replacing(with: lo, where: x .< lo)
    y.replace(with: hi, where: y .> hi)
    return y
}

@inline(__always)
func vectorExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    // Integer work through float bit tricks only: Swift's SIMD float-to-int conversions and
    // rounded(_:) run element by element.
    let clamped = clamp(x, -88.376, 88.376)
    let magic = SIMD8<Float>(repeating: 12582912)                       // 1.5 * 2^23: round to nearest
    let n = (clamped * 1.44269504088896341 + magic) - magic             // |r| <= ln2 / 2 below
    let r = clamped - n * 0.693359375 + n * 2.12194440e-4
    let z = r * r
    var y = SIMD8<Float>(repeating: 1.9875691500e-4)
    y = y * r + 1.3981999507e-3
    y = y * r + 8.3334519073e-3
    y = y * r + 4.1665795894e-2
    y = y * r + 1.6666665459e-1
    y = y * r + 5.0000001201e-1
    y = y * z + r + 1
    // 2^n: n + 127 (clamped to the normal exponents) sits in the low mantissa bits of 2^23 + n + 127.
    let biased = clamp(n + 127, 0, 254) + 8388608
    let exponent = (unsafeBitCast(biased, to: SIMD8<UInt32>.self) & 0x7F_FFFF) &<< 23
    return y * unsafeBitCast(exponent, to: SIMD8<Float>.self)
}

@inline(__always)
func vectorErf(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let a = x.replacing(with: -x, where: x .< 0)
    let t = 1 / (a * 0.3275911 + 1)
    var p = SIMD8<Float>(repeating: 1.061405429)
    p = p * t - 1.453152027
    p = p * t + 1.421413741
    p = p * t - 0.284496736
    p = p * t + 0.254829592
    p = p * t
    let e: SIMD8<Float> = 1 - p * vectorExp(-(a * a))
    let negated: SIMD8<Float> = -e
    return e.replacing(with: negated, where: x .< 0)
}

/// exp of `count` floats in place (SIMD8 body, the tail through a padded vector).
func vectorExpInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + 8 <= count {
        let v = UnsafeMutableRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(x + i).storeBytes(of: vectorExp(v), as: SIMD8<Float>.self)
        i += 8
    }
    if i < count {
        var v = SIMD8<Float>(repeating: 0)
        for j in 0..<(count - i) { v[j] = x[i + j] }
        let e = vectorExp(v)
        for j in 0..<(count - i) { x[i + j] = e[j] }
    }
}
