import Foundation

/// What the report says beyond the tables: provenance that a reader needs to weigh the results.
public struct ReportContext: Sendable {
    public var profile: String
    public var backbone: String
    public var surrogateNotes: [String]
    public var environment: [(String, String)]
    public var tableOne: String
    public var seeds: [UInt64]
    /// Sum of the runs' wall times, seconds.
    public var totalComputeSeconds: Double
    /// Where the time goes, one line per table cell (PaperSession.timeByCell).
    public var timeByCell: [String]
    /// The matrix product of an edition of the plan (`--numerics`), nil for the plan as the
    /// tables define it.
    public var edition: String?
    /// A section of the report before the tables (title, lines): the sequential profile's
    /// protocol and its deviations from MLLM-MSR. Nil: none.
    public var protocolSection: (title: String, lines: [String])?
    /// Whose claims the verdicts judge ("the paper"; the sequential profile: MLLM-MSR's seed).
    public var claimsSource = "the paper"

    public init(profile: String, backbone: String, surrogateNotes: [String], environment: [(String, String)],
                tableOne: String, seeds: [UInt64], totalComputeSeconds: Double, timeByCell: [String] = []) {
        self.profile = profile
        self.backbone = backbone
        self.surrogateNotes = surrogateNotes
        self.environment = environment
        self.tableOne = tableOne
        self.seeds = seeds
        self.totalComputeSeconds = totalComputeSeconds
        self.timeByCell = timeByCell
    }
}

/// Writes the paper's outputs under one directory: `tables/` (Markdown, LaTeX, CSV per table and
/// dataset, and `cells.json` for the figure script), `REPORT.md`, and `MANIFEST.sha256` over
/// every file written plus the committed runs. Each file is written to a temporary name and
/// renamed, so an interrupted render never leaves a finished-looking file.
public struct PaperWriter {
    public let root: URL

    public init(root: URL) {
        self.root = root
    }

    public func writeTables(_ tables: [RenderedTable], plan: PaperPlan) throws -> [URL] {
        let dir = root.appendingPathComponent("tables", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var written: [URL] = []
        for t in tables {
            let base = "table-\(t.id)-\(t.dataset)"
            for (ext, text) in [("md", t.markdown()), ("tex", t.latex()), ("csv", t.csv())] {
                let url = dir.appendingPathComponent("\(base).\(ext)")
                try AtomicFile.write(Data(text.utf8), to: url)
                written.append(url)
            }
        }
        // The cells with their run names, for figures (ROC curves need the runs' predictions).
        // A ranking cell adds the values its rows are ranked by (NDCG@K) and their name; an AUC
        // cell leaves both out (nil is not encoded), so the paper's cells.json keeps its bytes.
        struct CellJSON: Encodable {
            let table, dataset, row, column: String; let aucs: [Double]; let runs: [String]
            let metric: String?; let values: [Double]?
        }
        var cells: [CellJSON] = []
        for t in tables {
            for c in t.cells {
                let runs = plan.cells.first { $0.table == t.id && $0.dataset == t.dataset && $0.row == c.row && $0.column == c.column }?.runs ?? []
                cells.append(CellJSON(table: t.id, dataset: t.dataset, row: c.row, column: c.column, aucs: c.aucs, runs: runs,
                                      metric: c.ranking.map { "NDCG@\($0.k)" }, values: c.ranking?.ndcgs))
            }
        }
        let url = dir.appendingPathComponent("cells.json")
        try AtomicFile.writeJSON(cells, to: url)
        written.append(url)
        return written
    }

    /// Table I as `tables/table-I.{md,tex,csv}`: it is one table for all datasets (the
    /// template, then an example per dataset), so its name has no dataset.
    public func writeTableOne(_ table: TableOne) throws -> [URL] {
        let dir = root.appendingPathComponent("tables", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var written: [URL] = []
        for (ext, text) in [("md", "Table I: instruction template\n\n" + table.markdown()), ("tex", table.latex()), ("csv", table.csv())] {
            let url = dir.appendingPathComponent("table-I.\(ext)")
            try AtomicFile.write(Data(text.utf8), to: url)
            written.append(url)
        }
        return written
    }

    public func report(_ tables: [RenderedTable], verdicts: [ClaimVerdict], context: ReportContext) -> String {
        var out = "# ATFLRec replication report (\(context.profile) profile\(context.edition.map { ", \($0) edition" } ?? ""))\n\n"
        if let edition = context.edition {
            out += "Every run of this edition is made with the `\(edition)` matrix product (DETERMINISM.md), in the run store it "
                + "shares with the plan as the tables define it (`paper/REPORT.md`); a cell says \"not run yet\" until all its "
                + "seeds are stored (`make paper NUMERICS=\(edition)`, or on a cluster `make paper-slurm NUMERICS=\(edition)`).\n\n"
        }
        out += "Generated by `make paper` from the stored runs (`paper/runs/` for the full profile, `paper/<profile>/runs/` for "
        out += "another); no number below is typed by hand.\n"
        out += "Backbone: \(context.backbone). Seeds: \(context.seeds.map(String.init).joined(separator: ", ")). "
        out += "Total compute (sum of run wall times): \(ProgressLine.duration(context.totalComputeSeconds)).\n\n"
        out += "## What is surrogate\n\n" + context.surrogateNotes.map { "- \($0)\n" }.joined() + "\n"
        out += "## Claims of \(context.claimsSource) and our verdicts\n\n"
        out += "Verdicts use the paired test stated in the tables at alpha = 0.05: *holds* when the claimed row leads every "
        out += "other row significantly in every column, *does not hold* when another row leads it significantly, "
        out += "*inconclusive* otherwise; *not run yet* when the plan's runs for the claimed row are not finished.\n\n"
        out += "| claim | table | dataset | verdict | evidence |\n|---|---|---|---|---|\n"
        for v in verdicts {
            out += "| \(v.claim) | \(v.table) | \(v.dataset) | **\(v.outcome.rawValue)** | \(v.evidence) |\n"
        }
        if let section = context.protocolSection {
            out += "\n## \(section.title)\n\n" + section.lines.map { "- \($0)\n" }.joined()
        }
        if !context.tableOne.isEmpty { out += "\n## Table I: instruction template\n\n" + context.tableOne + "\n" }
        for t in tables {
            out += "\n## " + t.markdown()
        }
        if !context.timeByCell.isEmpty {
            out += "\n## Where the time goes\n\nPer table cell, each run counted under the first cell that uses it: finished runs by "
            out += "their measured wall time, runs not finished by an estimate from the finished runs most like them.\n\n"
            out += context.timeByCell.map { "- \($0)\n" }.joined()
        }
        out += "\n## Environment\n\n" + context.environment.map { "- \($0.0): \($0.1)\n" }.joined()
        return out
    }

    public func writeReport(_ text: String) throws -> URL {
        let url = root.appendingPathComponent("REPORT.md")
        try AtomicFile.write(Data(text.utf8), to: url)
        return url
    }

    /// `sha256  relative/path` lines, sorted by path: `files` hashed now, and `recorded` files
    /// listed with the hash their run recorded (checkpoints, which are not committed and may be
    /// absent here). Paths are relative to this writer's root, with `../` where needed, so
    /// `cd <root> && sha256sum -c MANIFEST.sha256` checks whatever is present.
    public func writeManifest(_ files: [URL], recorded: [(sha256: String, file: URL)] = []) throws -> URL {
        var lines: [String] = []
        for f in files {
            lines.append("\(SHA256Hex.of(try Data(contentsOf: f)))  \(relativePath(f))")
        }
        for r in recorded {
            lines.append("\(r.sha256)  \(relativePath(r.file))")
        }
        lines.sort { $0.split(separator: " ").last! < $1.split(separator: " ").last! }
        let url = root.appendingPathComponent("MANIFEST.sha256")
        try AtomicFile.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: url)
        return url
    }

    /// `file` relative to `root` (`../` for each level above it).
    func relativePath(_ file: URL) -> String {
        let base = root.standardizedFileURL.pathComponents
        let target = file.standardizedFileURL.pathComponents
        let common = zip(base, target).prefix { $0 == $1 }.count
        return (Array(repeating: "..", count: base.count - common) + target[common...]).joined(separator: "/")
    }
}
