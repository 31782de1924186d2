import AudioFeatures

// Training-free probes of where a dataset's preference signal lives. Each scores a sample by how
// much more its target resembles the user's liked history items than the disliked ones:
//   score = cos(v_target, mean v_liked) - cos(v_target, mean v_disliked)   (a missing group adds 0)
// with v = a bag-of-words vector of the title (text probe) or the frame-mean of the item's FBank
// features, standardised per bin over the catalogue (audio probe). A probe's AUC well above 0.5
// says the signal is in that modality; near 0.5, that this probe cannot see one there.
public enum SignalProbes {
    /// Text probe scores of `samples`.
    public static func text(_ samples: [InteractionSample], titles: (Int) -> String) -> [Double] {
        var vocabulary: [String: Int] = [:]
        var cache: [Int: [Int: Double]] = [:]
        func vector(_ item: Int) -> [Int: Double] {
            if let v = cache[item] { return v }
            var v: [Int: Double] = [:]
            for word in titles(item).lowercased().split(separator: " ") {
                let key = String(word)
                let index = vocabulary[key] ?? vocabulary.count
                vocabulary[key] = index
                v[index, default: 0] += 1
            }
            cache[item] = v
            return v
        }
        func dense(_ items: [Int]) -> [Int: Double] {
            var sum: [Int: Double] = [:]
            for i in items { for (k, x) in vector(i) { sum[k, default: 0] += x } }
            return sum
        }
        func cosine(_ a: [Int: Double], _ b: [Int: Double]) -> Double {
            // Sum over a's keys in sorted order: a fixed summation order, whatever the hashing.
            var dot = 0.0
            for k in a.keys.sorted() { dot += a[k]! * (b[k] ?? 0) }
            let na = a.values.sorted().reduce(0) { $0 + $1 * $1 }.squareRoot()
            let nb = b.values.sorted().reduce(0) { $0 + $1 * $1 }.squareRoot()
            return na > 0 && nb > 0 ? dot / (na * nb) : 0
        }
        return samples.map { s in
            let t = vector(s.target)
            return cosine(t, dense(s.likedHistory)) - cosine(t, dense(s.dislikedHistory))
        }
    }

    /// Audio probe scores of `samples` from each item's FBank features.
    public static func audio(_ samples: [InteractionSample], features: [Int: FBankFeatures]) -> [Double] {
        let items = features.keys.sorted()
        guard let m = features[items.first ?? 0]?.dimension else { return samples.map { _ in 0 } }
        var means: [Int: [Double]] = [:]
        for item in items {
            let f = features[item]!
            var v = [Double](repeating: 0, count: m)
            for r in 0..<f.numFrames { for c in 0..<m { v[c] += Double(f.values[r * m + c]) } }
            means[item] = v.map { $0 / Double(f.numFrames) }
        }
        // Standardise each bin over the catalogue (loudness differences dominate otherwise).
        for c in 0..<m {
            let column = items.map { means[$0]![c] }
            let mu = column.reduce(0, +) / Double(column.count)
            let sd = max((column.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(column.count)).squareRoot(), 1e-9)
            for item in items { means[item]![c] = (means[item]![c] - mu) / sd }
        }
        func mean(_ group: [Int]) -> [Double]? {
            let vs = group.compactMap { means[$0] }
            guard !vs.isEmpty else { return nil }
            return (0..<m).map { c in vs.reduce(0) { $0 + $1[c] } / Double(vs.count) }
        }
        func cosine(_ a: [Double], _ b: [Double]?) -> Double {
            guard let b else { return 0 }
            let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
            let na = a.reduce(0) { $0 + $1 * $1 }.squareRoot(), nb = b.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return na > 0 && nb > 0 ? dot / (na * nb) : 0
        }
        return samples.map { s in
            guard let t = means[s.target] else { return 0 }
            return cosine(t, mean(s.likedHistory)) - cosine(t, mean(s.dislikedHistory))
        }
    }
}
