import Foundation
import SeededRandom

// Ranking metrics of the sequential protocol (issue 28; MLLM-MSR reports AUC, HR@5 and NDCG@5
// with sampled negatives, as SASRec's leave-last-out protocol does): each test user has one
// held-out positive and N sampled negatives, every model scores the same N + 1 candidates, and
// the positive's rank r (1 = best) among them gives
//   HR@K   = [r <= K]
//   NDCG@K = [r <= K] / log2(r + 1)       (one relevant item, so the ideal DCG is 1)
//   AUC    = (#negatives below the positive + #tied / 2) / N     (the user's own AUC)
// averaged over users, unweighted.
//
// Ties: a positive with g negatives strictly above it and t tied with it takes each rank
// g + 1 ... g + t + 1 with probability 1 / (t + 1), and the metrics are their expectations. So a model that scores every candidate alike gets
// exactly chance, HR@K = K / (N + 1), rather than 1 (optimistic ranks) or 0 (pessimistic
// ranks), and no random tie-break is needed.

/// Mean HR@K, NDCG@K and per-user AUC over users, with each user's values for paired tests.
public struct RankingQuality: Equatable, Sendable {
    public var k: Int
    public var hitRate: Double
    public var ndcg: Double
    /// Mean over users of the positive's AUC against its own negatives.
    public var auc: Double
    public var userHits: [Double]
    public var userNDCG: [Double]
    public var userAUC: [Double]
    public var users: Int { userHits.count }
}

/// One user's expected HR@k, NDCG@k and AUC for a positive scored `positive` among `negatives`.
public func rankingOfPositive(_ positive: Double, among negatives: [Double], k: Int) -> (hit: Double, ndcg: Double, auc: Double) {
    var above = 0, tied = 0
    for s in negatives {
        if s > positive { above += 1 } else if s == positive { tied += 1 }
    }
    var hit = 0.0, gain = 0.0
    for rank in (above + 1)...(above + tied + 1) where rank <= k {
        hit += 1
        gain += 1 / log2(Double(rank + 1))
    }
    let share = 1 / Double(tied + 1)
    let below = negatives.count - above - tied
    let auc = negatives.isEmpty ? 0.5 : (Double(below) + Double(tied) / 2) / Double(negatives.count)
    return (hit * share, gain * share, auc)
}

/// HR@k, NDCG@k and AUC of users' positives (`positiveScores[u]`) among their negatives
/// (`negativeScores[u]`, at least one per user). One line naming the user on bad input.
public func rankingQuality(positiveScores: [Double], negativeScores: [[Double]], k: Int) throws -> RankingQuality {
    guard k >= 1 else { throw MetricError("HR@K/NDCG@K: K is \(k), expected at least 1") }
    guard positiveScores.count == negativeScores.count else {
        throw MetricError("HR@K/NDCG@K: \(positiveScores.count) positive scores but \(negativeScores.count) negative lists")
    }
    guard !positiveScores.isEmpty else { throw MetricError("HR@K/NDCG@K: no users") }
    var hits: [Double] = [], gains: [Double] = [], aucs: [Double] = []
    for (u, (p, negatives)) in zip(positiveScores, negativeScores).enumerated() {
        guard !negatives.isEmpty else { throw MetricError("HR@K/NDCG@K: user \(u) has no negatives") }
        guard p.isFinite, negatives.allSatisfy(\.isFinite) else {
            throw MetricError("HR@K/NDCG@K: user \(u) has a score that is not a finite number")
        }
        let r = rankingOfPositive(p, among: negatives, k: k)
        hits.append(r.hit); gains.append(r.ndcg); aucs.append(r.auc)
    }
    func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }
    return RankingQuality(k: k, hitRate: mean(hits), ndcg: mean(gains), auc: mean(aucs), userHits: hits, userNDCG: gains, userAUC: aucs)
}

/// A paired randomisation test of mean(a) - mean(b) over the same users (Fisher's sign-flip
/// test; e.g. Smucker, Allan and Carterette, "A comparison of statistical significance tests for
/// information retrieval evaluation", CIKM 2007): under "no difference" each user's difference
/// d_u = a_u - b_u is as likely to have either sign.
public struct PairedPermutationResult: Equatable, Sendable {
    public var meanA: Double
    public var meanB: Double
    public var difference: Double { meanA - meanB }
    /// Two-sided p-value of "the means are equal".
    public var pValue: Double
    /// Sign assignments counted: every one (2^n, exact) or `resamples` drawn.
    public var assignments: Int
    public var exact: Bool
}

/// Exact over all 2^n sign assignments when n <= `exactUpTo` (p = #{|d*| >= |d|} / 2^n);
/// otherwise `resamples` random assignments from `stream`, one draw per user each
/// (p = (1 + #{|d*| >= |d|}) / (B + 1)). Users whose values are equal contribute nothing.
public func pairedPermutationTest(_ a: [Double], _ b: [Double], resamples: Int = 10_000, exactUpTo: Int = 16,
                                  stream: inout RandomStream) throws -> PairedPermutationResult {
    guard a.count == b.count else { throw MetricError("permutation test: \(a.count) values against \(b.count)") }
    guard !a.isEmpty else { throw MetricError("permutation test: no users") }
    guard resamples >= 1 else { throw MetricError("permutation test: needs at least one resample, got \(resamples)") }
    let d = zip(a, b).map { $0 - $1 }
    let n = Double(d.count)
    let observed = abs(d.reduce(0, +))
    // Sums compared with a relative slack so that a permuted sum equal to the observed one in
    // exact arithmetic is not lost to rounding (differences are sums of the same terms).
    let slack = 1e-12 * max(1, d.reduce(0) { $0 + abs($1) })
    var extreme = 0, count = 0
    let exact = d.count <= exactUpTo
    if exact {
        count = 1 << d.count
        for mask in 0..<count {
            var s = 0.0
            for (u, x) in d.enumerated() { s += (mask >> u) & 1 == 1 ? -x : x }
            if abs(s) >= observed - slack { extreme += 1 }
        }
    } else {
        count = resamples
        for _ in 0..<resamples {
            var s = 0.0
            for x in d { s += stream.bernoulli(0.5) ? -x : x }
            if abs(s) >= observed - slack { extreme += 1 }
        }
    }
    let p = exact ? Double(extreme) / Double(count) : Double(1 + extreme) / Double(count + 1)
    return PairedPermutationResult(meanA: a.reduce(0, +) / n, meanB: b.reduce(0, +) / n, pValue: p,
                                   assignments: count, exact: exact)
}
