import Testing
@testable import Experiments

@Suite("Claim verdicts")
struct ClaimVerdictTests {
    func table(_ cells: [(String, Double, Double?)]) -> RenderedTable {
        RenderedTable(id: "III", title: "", dataset: "d", rows: cells.map(\.0), columns: ["K=100"],
                      cells: cells.map { CellSummary(row: $0.0, column: "K=100", aucs: [$0.1], pValue: $0.2, paperValue: nil) })
    }

    @Test func outcomesFollowMeansAndSignificance() {
        let holds = table([("a", 0.7, nil), ("b", 0.6, 0.001), ("c", 0.55, 0.0001)])
        #expect(ClaimJudge.bestRow(claim: "a best", table: holds, claimedBest: "a").outcome == .holds)
        let noisy = table([("a", 0.7, nil), ("b", 0.69, 0.4), ("c", 0.55, 0.0001)])
        #expect(ClaimJudge.bestRow(claim: "a best", table: noisy, claimedBest: "a").outcome == .inconclusive)
        let beaten = table([("a", 0.6, nil), ("b", 0.7, 0.001), ("c", 0.55, 0.0001)])
        #expect(ClaimJudge.bestRow(claim: "a best", table: beaten, claimedBest: "a").outcome == .doesNotHold)
        let behindInNoise = table([("a", 0.6, nil), ("b", 0.61, 0.5)])
        #expect(ClaimJudge.bestRow(claim: "a best", table: behindInNoise, claimedBest: "a").outcome == .inconclusive)
        let missing = table([("b", 0.6, nil)])
        #expect(ClaimJudge.bestRow(claim: "a best", table: missing, claimedBest: "a").outcome == .notRunYet)
    }

    /// A best-row claim cannot hold while a competing row has not run; a finished row that is
    /// significantly ahead already decides it.
    @Test func unfinishedCompetitorsKeepTheClaimOpenUnlessAlreadyContradicted() {
        func partial(_ cells: [(String, Double, Double?)]) -> RenderedTable {
            RenderedTable(id: "IV", title: "", dataset: "d", rows: ["a", "b", "c"], columns: ["K=500"],
                          cells: cells.map { CellSummary(row: $0.0, column: "K=500", aucs: [$0.1], pValue: $0.2, paperValue: nil) })
        }
        let alone = ClaimJudge.bestRow(claim: "a best", table: partial([("a", 0.7, nil)]), claimedBest: "a")
        #expect(alone.outcome == .notRunYet)
        #expect(alone.evidence.hasPrefix("runs for 'b' at K=500, 'c' at K=500 not finished"), "\(alone.evidence)")
        let aheadSoFar = ClaimJudge.bestRow(claim: "a best", table: partial([("a", 0.7, nil), ("b", 0.6, 0.001)]), claimedBest: "a")
        #expect(aheadSoFar.outcome == .notRunYet)
        let beaten = ClaimJudge.bestRow(claim: "a best", table: partial([("a", 0.6, nil), ("b", 0.7, 0.001)]), claimedBest: "a")
        #expect(beaten.outcome == .doesNotHold)
    }
}
