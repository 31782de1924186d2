import Foundation

/// HR@K and NDCG@K of a cell of a ranking table (TableMetric.ranking), per seed.
public struct RankingValues: Sendable, Equatable {
    public let k: Int
    public let hitRates: [Double]
    public let ndcgs: [Double]

    public init(k: Int, hitRates: [Double], ndcgs: [Double]) {
        self.k = k
        self.hitRates = hitRates
        self.ndcgs = ndcgs
    }
}

/// The summary of one table cell over seeds.
public struct CellSummary: Sendable, Equatable {
    public let row: String
    public let column: String
    /// Test AUC per seed, in seed order (a ranking cell: the users' mean candidate AUC, UAUC).
    public let aucs: [Double]
    /// A ranking cell's HR@K and NDCG@K; nil in an AUC table.
    public let ranking: RankingValues?
    /// Two-sided p-value of the test against the claimed-best row in the same column
    /// (nil for the best row itself or when not computed; see `comparedWith`).
    public let pValue: Double?
    /// The row `pValue` is against when it is not the claimed-best one: in a ranking table the
    /// claimed-best row is tested against the best other row (by mean NDCG@K).
    public let comparedWith: String?
    /// The paper's value, where our copy of the paper has it.
    public let paperValue: Double?
    /// The claimed-best row when this cell is made of exactly its runs (Table IV's "fusion max"
    /// is "stacking max": both keep every pooling at its default). No test is made then: a
    /// p-value of 1 from comparing runs with themselves would read as evidence.
    public let sameRunsAs: String?
    /// Recorded wall time of each seed's run (result.json wallSeconds), in seed order; a study
    /// table renders their mean.
    public let wallSeconds: [Double]

    public init(row: String, column: String, aucs: [Double], pValue: Double?, paperValue: Double?, sameRunsAs: String? = nil,
                wallSeconds: [Double] = [], ranking: RankingValues? = nil, comparedWith: String? = nil) {
        self.row = row
        self.column = column
        self.aucs = aucs
        self.ranking = ranking
        self.comparedWith = comparedWith
        self.pValue = pValue
        self.paperValue = paperValue
        self.sameRunsAs = sameRunsAs
        self.wallSeconds = wallSeconds
    }

    /// Mean recorded wall time of the cell's runs; nan when none is recorded.
    public var meanWallSeconds: Double { wallSeconds.isEmpty ? .nan : wallSeconds.reduce(0, +) / Double(wallSeconds.count) }

    /// The values rows are ranked and judged by: NDCG@K in a ranking table, else the AUC.
    public var values: [Double] { ranking?.ndcgs ?? aucs }

    public var mean: Double { Self.mean(values) }

    /// Sample standard deviation (n - 1) of `values`; 0 for a single seed.
    public var standardDeviation: Double { Self.standardDeviation(values) }

    static func mean(_ x: [Double]) -> Double { x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count) }

    static func standardDeviation(_ x: [Double]) -> Double {
        guard x.count > 1 else { return 0 }
        let m = mean(x)
        return (x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count - 1)).squareRoot()
    }
}

/// Renders a table of cell summaries as Markdown, LaTeX and CSV. Numbers are formatted with a
/// fixed locale-independent format so that two runs give identical bytes.
public struct RenderedTable: Sendable {
    public let id: String
    public let title: String
    public let dataset: String
    public let rows: [String]
    public let columns: [String]
    public let cells: [CellSummary]
    /// Which numerics its cells' runs were made with (issue 31), e.g. "openblas: Haswell
    /// kernels 21 runs, Cooperlake kernels 9 runs"; empty when not given.
    public var numerics = ""
    /// A study of ours (PaperTable.isStudy): no paper column; the mean run time instead.
    public var isStudy = false
    /// Whose printed values the paper column holds, when not the ATFLRec paper's.
    public var reference: TableReference? = nil
    /// The paper's (or the reference's) values by "row|column" (PaperTable.paperValues), shown
    /// beside cells that are not run yet too.
    public var printedValues: [String: Double] = [:]

    /// The heading of the second column of each K and what a cell without a printed value says.
    var referenceHeading: String { reference?.heading ?? "paper" }
    var referenceMissing: String { reference?.missing ?? Self.notInPaper }

    public static let notInPaper = "not in our copy of the paper"

    public init(id: String, title: String, dataset: String, rows: [String], columns: [String], cells: [CellSummary]) {
        self.id = id
        self.title = title
        self.dataset = dataset
        self.rows = rows
        self.columns = columns
        self.cells = cells
    }

    func cell(_ row: String, _ column: String) -> CellSummary? {
        cells.first { $0.row == row && $0.column == column }
    }

    static func fixed(_ x: Double, _ digits: Int) -> String {
        x.isNaN ? "n/a" : String(format: "%.\(digits)f", x)
    }

    /// Six significant digits, exponent when small: a CSV p-value keeps its size (fixed six
    /// decimals would print a DeLong p of 3e-9 as 0.000000).
    static func significant(_ x: Double) -> String {
        x.isNaN ? "n/a" : String(format: "%.6g", x)
    }

    /// Text for LaTeX outside verbatim: backslash first, then the specials table labels can hold.
    static func latexEscaped(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\textbackslash{}")
            .replacingOccurrences(of: "&", with: "\\&").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_").replacingOccurrences(of: "#", with: "\\#")
    }

    /// One CSV field (RFC 4180): quoted, with its quotes doubled, when it holds a comma, a quote
    /// or a line break (Table I's prompts span lines).
    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    static func pText(_ p: Double?) -> String {
        guard let p else { return "" }
        return p < 1e-4 ? "p<1e-4" : "p=\(fixed(p, 4))"
    }

    /// K of a ranking table (its cells' HR@K and NDCG@K; TableMetric.ranking), nil for an AUC
    /// table. Set by PaperAssembly from the plan, so a table with no finished cell renders as one.
    public var rankingK: Int?

    static func meanSD(_ x: [Double]) -> String { "\(fixed(CellSummary.mean(x), 4)) ± \(fixed(CellSummary.standardDeviation(x), 4))" }

    /// A ranking cell's p-value with the row it is against ("p=0.0123 vs GRU4Rec").
    func rankingPText(_ c: CellSummary) -> String {
        if let same = c.sameRunsAs { return "same runs as \(same)" }
        let p = Self.pText(c.pValue)
        return p.isEmpty ? "" : "\(p) vs \(c.comparedWith ?? "the claimed-best row")"
    }

    /// A ranking table (one column): a row per model with HR@K, NDCG@K and AUC over seeds, the
    /// paired test of NDCG@K, and the mean run time.
    func rankingMarkdown(k: Int) -> String {
        var out = "Table \(id) (\(dataset)): \(title)\n\n"
        out += "| | HR@\(k) (mean ± sd) | NDCG@\(k) (mean ± sd) | AUC (mean ± sd) | seeds | NDCG@\(k): paired sign-flip test | run time (mean) |\n"
        out += "|---|---|---|---|---|---|---|\n"
        for row in rows {
            guard let c = columns.first.flatMap({ cell(row, $0) }), let r = c.ranking else { out += "| \(row) | not run yet | | | | | |\n"; continue }
            out += "| \(row) | \(Self.meanSD(r.hitRates)) | \(Self.meanSD(r.ndcgs)) | \(Self.meanSD(c.aucs)) | \(c.aucs.count) | \(rankingPText(c)) | "
                + "\(ProgressLine.duration(c.meanWallSeconds)) |\n"
        }
        out += "\nColumn: \(columns.joined(separator: ", ")). Rows are ranked by NDCG@\(k); AUC is each user's positive against its own candidates, averaged over users.\n"
        if !numerics.isEmpty { out += "\nNumerics of the cells' runs (DETERMINISM.md): \(numerics).\n" }
        return out
    }

    func rankingLatex(k: Int) -> String {
        let escape = Self.latexEscaped
        var out = "% Table \(id) (\(escape(dataset))): \(escape(title))\n\\begin{tabular}{lrrrr}\n\\hline\n"
        out += " & HR@\(k) & NDCG@\(k) & AUC & run time \\\\\n\\hline\n"
        for row in rows {
            guard let c = columns.first.flatMap({ cell(row, $0) }), let r = c.ranking else { out += "\(escape(row)) & -- & -- & -- & -- \\\\\n"; continue }
            let parts = [r.hitRates, r.ndcgs, c.aucs].map { "$\(Self.fixed(CellSummary.mean($0), 4)) \\pm \(Self.fixed(CellSummary.standardDeviation($0), 4))$" }
            out += ([escape(row)] + parts + [ProgressLine.duration(c.meanWallSeconds)]).joined(separator: " & ") + " \\\\\n"
        }
        out += "\\hline\n\\end{tabular}\n"
        if !numerics.isEmpty { out += "% numerics of the cells' runs: \(escape(numerics))\n" }
        return out
    }

    func rankingCSV(k: Int) -> String {
        let quote = Self.csvField
        var out = "table,dataset,row,column,n,mean_hr@\(k),sd_hr@\(k),mean_ndcg@\(k),sd_ndcg@\(k),mean_auc,sd_auc,seed_hr@\(k),seed_ndcg@\(k),seed_aucs,"
            + "p_value_ndcg,p_value_against,same_runs_as,mean_wall_seconds\n"
        for row in rows {
            for column in columns {
                guard let c = cell(row, column), let r = c.ranking else { continue }
                let against = c.pValue == nil ? "" : c.comparedWith ?? ""
                let fields = [id, dataset, row, column, String(c.aucs.count)]
                    + [r.hitRates, r.ndcgs, c.aucs].flatMap { [Self.fixed(CellSummary.mean($0), 6), Self.fixed(CellSummary.standardDeviation($0), 6)] }
                    + [r.hitRates, r.ndcgs, c.aucs].map { $0.map { Self.fixed($0, 6) }.joined(separator: " ") }
                    + [c.pValue.map(Self.significant) ?? "", against, c.sameRunsAs ?? "", Self.fixed(c.meanWallSeconds, 1)]
                out += fields.map(quote).joined(separator: ",") + "\n"
            }
        }
        return out
    }

    public func markdown() -> String {
        if let k = rankingK { return rankingMarkdown(k: k) }
        var out = "Table \(id) (\(dataset)): \(title)\n\n"
        let second = isStudy ? "run time (mean over seeds)" : referenceHeading
        out += "| | " + columns.flatMap { ["\($0) ours (mean ± sd)", "\($0) \(second)"] }.joined(separator: " | ") + " |\n"
        out += "|---|" + String(repeating: "---|", count: 2 * columns.count) + "\n"
        for row in rows {
            var line = "| \(row) |"
            for column in columns {
                guard let c = cell(row, column) else {
                    let printed = isStudy ? nil : printedValues["\(row)|\(column)"]
                    line += " not run yet |" + (printed.map { " \(Self.fixed($0, 4)) |" } ?? " |")
                    continue
                }
                let p = c.sameRunsAs.map { "same runs as \($0)" } ?? Self.pText(c.pValue)
                line += " \(Self.fixed(c.mean, 4)) ± \(Self.fixed(c.standardDeviation, 4)) (n=\(c.aucs.count)\(p.isEmpty ? "" : ", " + p)) |"
                line += " \(isStudy ? ProgressLine.duration(c.meanWallSeconds) : c.paperValue.map { Self.fixed($0, 4) } ?? referenceMissing) |"
            }
            out += line + "\n"
        }
        if !numerics.isEmpty { out += "\nNumerics of the cells' runs (DETERMINISM.md): \(numerics).\n" }
        return out
    }

    public func latex() -> String {
        if let k = rankingK { return rankingLatex(k: k) }
        let escape = Self.latexEscaped
        var out = "% Table \(id) (\(escape(dataset))): \(escape(title))\n"
        out += "\\begin{tabular}{l" + String(repeating: "rr", count: columns.count) + "}\n\\hline\n"
        out += " & " + columns.map { "\(escape($0)) ours & \(escape($0)) \(isStudy ? "run time" : escape(referenceHeading))" }.joined(separator: " & ") + " \\\\\n\\hline\n"
        for row in rows {
            var parts = [escape(row)]
            for column in columns {
                guard let c = cell(row, column) else {
                    parts += ["--", isStudy ? "--" : printedValues["\(row)|\(column)"].map { Self.fixed($0, 4) } ?? "--"]
                    continue
                }
                parts.append("$\(Self.fixed(c.mean, 4)) \\pm \(Self.fixed(c.standardDeviation, 4))$")
                parts.append(isStudy ? ProgressLine.duration(c.meanWallSeconds) : c.paperValue.map { Self.fixed($0, 4) } ?? "--")
            }
            out += parts.joined(separator: " & ") + " \\\\\n"
        }
        out += "\\hline\n\\end{tabular}\n"
        if !numerics.isEmpty { out += "% numerics of the cells' runs: \(escape(numerics))\n" }
        return out
    }

    /// One line per cell: table, dataset, row, column, n, mean, sd, per-seed AUCs, p, paper, and
    /// the claimed-best row when the cell is made of the same runs (then p is empty).
    public func csv() -> String {
        if let k = rankingK { return rankingCSV(k: k) }
        let quote = Self.csvField
        var out = "table,dataset,row,column,n,mean_auc,sd_auc,seed_aucs,p_value_vs_claimed_best,paper_auc,same_runs_as"
            + (isStudy ? ",mean_wall_seconds\n" : "\n")
        for row in rows {
            for column in columns {
                guard let c = cell(row, column) else { continue }
                let fields = [
                    id, dataset, row, column, String(c.aucs.count), Self.fixed(c.mean, 6),
                    Self.fixed(c.standardDeviation, 6), c.aucs.map { Self.fixed($0, 6) }.joined(separator: " "),
                    c.pValue.map(Self.significant) ?? "", c.paperValue.map { Self.fixed($0, 4) } ?? "", c.sameRunsAs ?? "",
                ] + (isStudy ? [Self.fixed(c.meanWallSeconds, 1)] : [])
                out += fields.map(quote).joined(separator: ",") + "\n"
            }
        }
        return out
    }
}
