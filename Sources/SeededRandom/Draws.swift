import Foundation

// Distributions drawn from a RandomStream. Each states how many raw 64-bit draws it consumes,
// because resumable training depends on draws being accounted for exactly.

extension RandomStream {
    /// Uniform in [0, 1) with 24 random bits (every Float in the grid k * 2^-24). One draw.
    @inline(__always)
    public mutating func uniformFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// Uniform in [0, 1) with 53 random bits. One draw.
    @inline(__always)
    public mutating func uniformDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in [low, high). One draw.
    public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * uniformFloat()
    }

    /// An integer uniform in 0 ..< bound, without modulo bias (Lemire, "Fast random integer
    /// generation in an interval", 2019). Usually one draw; rejection adds more rarely.
    public mutating func int(below bound: Int) -> Int {
        precondition(bound > 0, "RandomStream.int(below:) needs a positive bound, got \(bound)")
        let n = UInt64(bound)
        var product = next().multipliedFullWidth(by: n)
        if product.low < n {
            let threshold = (0 &- n) % n
            while product.low < threshold {
                product = next().multipliedFullWidth(by: n)
            }
        }
        return Int(product.high)
    }

    /// A standard normal draw (Box-Muller in Double, cosine branch only). Two draws.
    /// The sine branch is discarded so that the state stays a single counter.
    public mutating func normalDouble() -> Double {
        // 1 - u lies in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - uniformDouble()
        let u2 = uniformDouble()
        return (-2.0 * log(u1)).squareRoot() * cos(2.0 * Double.pi * u2)
    }

    /// A normal draw with the given mean and standard deviation, as Float. Two draws.
    public mutating func normal(mean: Float = 0, std: Float = 1) -> Float {
        mean + std * Float(normalDouble())
    }

    /// Fills `buffer` with uniform values in [low, high).
    public mutating func fillUniform(_ buffer: inout [Float], low: Float, high: Float) {
        for i in buffer.indices { buffer[i] = uniform(low, high) }
    }

    /// Fills `buffer` with normal values.
    public mutating func fillNormal(_ buffer: inout [Float], mean: Float = 0, std: Float = 1) {
        for i in buffer.indices { buffer[i] = normal(mean: mean, std: std) }
    }

    /// Shuffles in place (Fisher-Yates, from the last position down; count - 1 bounded draws).
    public mutating func shuffle<T>(_ elements: inout [T]) {
        var i = elements.count - 1
        while i > 0 {
            let j = int(below: i + 1)
            if i != j { elements.swapAt(i, j) }
            i -= 1
        }
    }

    /// A shuffled copy.
    public mutating func shuffled<T>(_ elements: [T]) -> [T] {
        var copy = elements
        shuffle(&copy)
        return copy
    }

    /// `k` distinct indices from 0 ..< n in the order drawn (a partial Fisher-Yates over a virtual
    /// identity permutation; the dictionary only records displaced positions and is never
    /// iterated, so its per-process hashing order cannot leak into results). k bounded draws.
    public mutating func sample(_ k: Int, from n: Int) -> [Int] {
        precondition(k >= 0 && k <= n, "cannot sample \(k) distinct values from \(n)")
        var displaced: [Int: Int] = [:]
        var result: [Int] = []
        result.reserveCapacity(k)
        for i in 0..<k {
            let j = i + int(below: n - i)
            let atJ = displaced[j] ?? j
            let atI = displaced[i] ?? i
            result.append(atJ)
            displaced[j] = atI
        }
        return result
    }

    /// True with probability p. One draw.
    public mutating func bernoulli(_ p: Float) -> Bool {
        uniformFloat() < p
    }
}
