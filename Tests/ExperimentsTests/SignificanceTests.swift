import Evaluation
import Testing
@testable import Experiments

@Suite("Table significance")
struct SignificanceTests {
    @Test func oneSeedEqualsThePlainDeLongTestAndMismatchedSamplesAreRefused() throws {
        let labels = [0, 1, 0, 1, 1, 0, 1, 0, 1, 1]
        let a = Predictions(sampleIDs: Array(0..<10), users: Array(repeating: 0, count: 10), labels: labels,
                            scores: [0.1, 0.9, 0.3, 0.8, 0.6, 0.4, 0.7, 0.2, 0.5, 0.95])
        let b = Predictions(sampleIDs: Array(0..<10), users: Array(repeating: 0, count: 10), labels: labels,
                            scores: [0.5, 0.6, 0.4, 0.3, 0.7, 0.6, 0.2, 0.5, 0.4, 0.8])
        let p = try TableSignificance.deLong([a], [b])
        #expect(p == (try deLongTest(labels: labels, scoresA: a.scores, scoresB: b.scores).pValue))
        #expect(p > 0 && p < 1)
        var shifted = b
        shifted.sampleIDs = Array(1...10)
        #expect(throws: MetricError.self) { try TableSignificance.deLong([a], [shifted]) }
    }
}
