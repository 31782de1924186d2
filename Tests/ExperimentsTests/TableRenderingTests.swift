import Testing
@testable import Experiments

@Suite("Table rendering")
struct TableRenderingTests {
    let table = RenderedTable(
        id: "II", title: "Comparison", dataset: "ml100k", rows: ["GRU4Rec", "ATFLRec"], columns: ["K=100"],
        cells: [
            CellSummary(row: "GRU4Rec", column: "K=100", aucs: [0.5, 0.52, 0.54], pValue: 0.01234, paperValue: nil),
            CellSummary(row: "ATFLRec", column: "K=100", aucs: [0.6, 0.62, 0.64], pValue: nil, paperValue: 0.6042),
        ])

    @Test func meanAndSampleStandardDeviation() {
        let c = table.cells[1]
        #expect(abs(c.mean - 0.62) < 1e-12)
        // Sample sd of {0.60, 0.62, 0.64} is exactly 0.02.
        #expect(abs(c.standardDeviation - 0.02) < 1e-12)
        #expect(CellSummary(row: "", column: "", aucs: [0.7], pValue: nil, paperValue: nil).standardDeviation == 0)
    }

    @Test func markdownShowsOursBesidePaperAndMissingPaperValues() {
        let md = table.markdown()
        #expect(md.contains("| ATFLRec | 0.6200 ± 0.0200 (n=3) | 0.6042 |"))
        #expect(md.contains("| GRU4Rec | 0.5200 ± 0.0200 (n=3, p=0.0123) | not in our copy of the paper |"))
    }

    @Test func csvAndLatexCarryEveryCell() {
        let csv = table.csv().split(separator: "\n")
        #expect(csv.count == 3)
        #expect(csv[2] == "II,ml100k,ATFLRec,K=100,3,0.620000,0.020000,0.600000 0.620000 0.640000,,0.6042")
        let tex = table.latex()
        #expect(tex.contains("ATFLRec & $0.6200 \\pm 0.0200$ & 0.6042 \\\\"))
        #expect(tex.contains("GRU4Rec & $0.5200 \\pm 0.0200$ & -- \\\\"))
    }
}
