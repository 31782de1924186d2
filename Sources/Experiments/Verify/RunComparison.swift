import Foundation

/// A committed run against the same configuration trained again (issue 25, `atflrec paper
/// verify`): the test predictions byte for byte, the test metrics, and the model tensors hash
/// where the committed run recorded one. Identical means all of those are equal.
public struct RunComparison: Sendable, Equatable {
    public var predictionsIdentical: Bool
    public var scores: Int
    /// Scores that differ (a sample missing on either side counts as differing).
    public var differingScores: Int
    public var largestDifference: Double
    /// Re-made test AUC minus the committed one.
    public var aucChange: Double
    /// testAUC, testUAUC and testLogLoss equal (NaN UAUC equals NaN).
    public var metricsEqual: Bool
    /// nil: the committed run recorded no model tensors hash.
    public var tensorsEqual: Bool?

    public var identical: Bool { predictionsIdentical && metricsEqual && tensorsEqual != false }

    /// One line for the report and the console: "identical" or what differs.
    public var summary: String {
        if identical { return "identical" }
        var parts: [String] = []
        if !predictionsIdentical {
            parts.append("\(differingScores) of \(scores) scores differ (largest \(String(format: "%.3g", largestDifference)))")
        }
        if !metricsEqual { parts.append(String(format: "test AUC change %+.6f", aucChange)) }
        if tensorsEqual == false { parts.append("model tensors hash differs") }
        return parts.joined(separator: "; ")
    }

    /// Compares the run files in `committed` with those `remade` (each holding result.json and
    /// predictions.csv).
    public static func compare(committed: URL, remade: URL) throws -> RunComparison {
        let files = ["predictions.csv", "result.json"]
        let (cp, rp) = try (Data(contentsOf: committed.appendingPathComponent(files[0])),
                            Data(contentsOf: remade.appendingPathComponent(files[0])))
        let (cr, rr) = try (RunResult.decode(Data(contentsOf: committed.appendingPathComponent(files[1]))),
                            RunResult.decode(Data(contentsOf: remade.appendingPathComponent(files[1]))))
        let a = try Predictions.parse(csv: String(decoding: cp, as: UTF8.self), source: committed.appendingPathComponent(files[0]).path)
        let b = try Predictions.parse(csv: String(decoding: rp, as: UTF8.self), source: remade.appendingPathComponent(files[0]).path)
        var byID: [Int: Double] = [:]
        for (id, s) in zip(b.sampleIDs, b.scores) { byID[id] = s }
        var differing = 0, largest = 0.0
        for (id, s) in zip(a.sampleIDs, a.scores) {
            guard let t = byID[id] else { differing += 1; continue }
            if s != t { differing += 1; largest = max(largest, abs(s - t)) }
        }
        differing += max(0, b.sampleIDs.count - a.sampleIDs.count)
        func same(_ x: Double, _ y: Double) -> Bool { x == y || (x.isNaN && y.isNaN) }
        let metrics = same(cr.testAUC, rr.testAUC) && same(cr.testUAUC, rr.testUAUC) && same(cr.testLogLoss, rr.testLogLoss)
        return RunComparison(
            predictionsIdentical: cp == rp, scores: a.scores.count, differingScores: differing, largestDifference: largest,
            aucChange: rr.testAUC - cr.testAUC, metricsEqual: metrics,
            tensorsEqual: cr.modelTensorsSHA256.map { $0 == rr.modelTensorsSHA256 })
    }
}
