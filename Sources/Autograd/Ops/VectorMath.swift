// SIMD8 exp and erf for the Float hot loops of the encoder ops (softmax rows, GELU), where libm's
// scalar expf/erff took about 16% of a MiniLM forward pass. Double keeps libm (the finite-
// difference checks run in Double).
//   exp: Cephes expf (S. Moshier): n = floor(x log2 e + 1/2), r = x - n ln2 (ln2 split in two
//        constants), degree-6 polynomial, times 2^n built in the exponent bits; inputs clamped to
//        [-88.38, 88.38] (below that the result is ~1e-38 or 0). Relative error about 2 ulp.
//   erf: Abramowitz & Stegun 7.1.26: 1 - (a1 t + ... + a5 t^5) exp(-x^2), t = 1 / (1 + p |x|),
//        odd in x; absolute error at most 1.5e-7 in exact arithmetic, 4.4e-7 measured in float32
//        (a few ulp of 1), far below the 1e-4 the encoder is held to.

@inline(__always)
func vectorExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let clamped = x.clamped(lowerBound: SIMD8(repeating: -88.376), upperBound: SIMD8(repeating: 88.376))
    let n = (clamped * 1.44269504088896341 + 0.5).rounded(.down)
    let r = clamped - n * 0.693359375 + n * 2.12194440e-4
    let z = r * r
    var y = SIMD8<Float>(repeating: 1.9875691500e-4)
    y = y * r + 1.3981999507e-3
    y = y * r + 8.3334519073e-3
    y = y * r + 4.1665795894e-2
    y = y * r + 1.6666665459e-1
    y = y * r + 5.0000001201e-1
    y = y * z + r + 1
    let bits = (SIMD8<Int32>(truncatingIfNeeded: SIMD8<Int32>(n) &+ 127)).clamped(lowerBound: SIMD8(repeating: 0), upperBound: SIMD8(repeating: 254)) &<< 23
    return y * unsafeBitCast(bits, to: SIMD8<Float>.self)
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
