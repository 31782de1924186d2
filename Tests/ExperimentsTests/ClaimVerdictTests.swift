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

    /// "Stride s keeps the AUC of every frame" (Study S1): a loss counts only when significant.
    @Test func noSignificantLossFailsOnlyOnASignificantDrop() {
        func study(_ row: (Double, Double?)?) -> RenderedTable {
            var cells = [CellSummary(row: "ref", column: "K=500", aucs: [0.70], pValue: nil, paperValue: nil)]
            if let row { cells.append(CellSummary(row: "s", column: "K=500", aucs: [row.0], pValue: row.1, paperValue: nil)) }
            return RenderedTable(id: "S1", title: "", dataset: "d", rows: ["ref", "s"], columns: ["K=500"], cells: cells)
        }
        func judge(_ row: (Double, Double?)?) -> ClaimVerdict {
            ClaimJudge.noSignificantLoss(claim: "s keeps", table: study(row), row: "s", reference: "ref")
        }
        #expect(judge((0.69, 0.40)).outcome == .holds)
        #expect(judge((0.69, 0.40)).evidence == "K=500: s 0.6900 against 0.7000 (difference -0.0100, p=0.4000)")
        #expect(judge((0.72, 0.001)).outcome == .holds)
        #expect(judge((0.65, 0.001)).outcome == .doesNotHold)
        #expect(judge((0.65, 0.05)).outcome == .holds, "p = alpha is not below alpha")
        #expect(judge(nil).outcome == .notRunYet)
    }
}
