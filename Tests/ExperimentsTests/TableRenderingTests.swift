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
        #expect(csv[1] == "II,ml100k,GRU4Rec,K=100,3,0.520000,0.020000,0.500000 0.520000 0.540000,0.01234,,")
        #expect(csv[2] == "II,ml100k,ATFLRec,K=100,3,0.620000,0.020000,0.600000 0.620000 0.640000,,0.6042,")
        // A p-value far below 1e-6 keeps its magnitude.
        #expect(RenderedTable.significant(3.25e-9) == "3.25e-09" && RenderedTable.significant(0.0912771234) == "0.0912771")
        let tex = table.latex()
        #expect(tex.contains("ATFLRec & $0.6200 \\pm 0.0200$ & 0.6042 \\\\"))
        #expect(tex.contains("GRU4Rec & $0.5200 \\pm 0.0200$ & -- \\\\"))
    }

    /// A row made of the claimed-best row's own runs (Table IV's "fusion max") names them
    /// instead of showing a p-value, in Markdown and CSV.
    @Test func aRowOfTheBestRowsRunsSaysSo() {
        let t = RenderedTable(
            id: "IV", title: "Pooling", dataset: "ml100k", rows: ["stacking max", "fusion max"], columns: ["K=500"],
            cells: [
                CellSummary(row: "stacking max", column: "K=500", aucs: [0.6, 0.62, 0.64], pValue: nil, paperValue: nil),
                CellSummary(row: "fusion max", column: "K=500", aucs: [0.6, 0.62, 0.64], pValue: nil, paperValue: nil,
                            sameRunsAs: "stacking max"),
            ])
        #expect(t.markdown().contains("| fusion max | 0.6200 ± 0.0200 (n=3, same runs as stacking max) | not in our copy of the paper |"))
        #expect(t.markdown().contains("| stacking max | 0.6200 ± 0.0200 (n=3) |"))
        let csv = t.csv().split(separator: "\n")
        #expect(csv[0].hasSuffix(",p_value_vs_claimed_best,paper_auc,same_runs_as"))
        #expect(csv[2] == "IV,ml100k,fusion max,K=500,3,0.620000,0.020000,0.600000 0.620000 0.640000,,,stacking max")
    }

    /// A study table (S1) has no paper column: the mean recorded run time stands there instead.
    @Test func aStudyShowsMeanRunTimeInsteadOfThePaper() {
        var study = RenderedTable(id: "S1", title: "Stride", dataset: "ml100k", rows: ["stride 1", "stride 2"], columns: ["K=500"],
                                  cells: [CellSummary(row: "stride 1", column: "K=500", aucs: [0.7, 0.72], pValue: nil, paperValue: nil,
                                                      wallSeconds: [1200, 1300])])
        study.isStudy = true
        let md = study.markdown()
        #expect(md.contains("| | K=500 ours (mean ± sd) | K=500 run time (mean over seeds) |"))
        #expect(md.contains("| stride 1 | 0.7100 ± 0.0141 (n=2) | 20m 50s |"), "\(md)")
        #expect(md.contains("| stride 2 | not run yet | |"))
        let csv = study.csv().split(separator: "\n")
        #expect(csv[0].hasSuffix(",same_runs_as,mean_wall_seconds"))
        #expect(csv[1] == "S1,ml100k,stride 1,K=500,2,0.710000,0.014142,0.700000 0.720000,,,,1250.0")
        #expect(study.latex().contains("K=500 ours & K=500 run time"))
        #expect(study.latex().contains("$0.7100 \\pm 0.0141$ & 20m 50s"))
    }
}
