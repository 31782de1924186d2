import Foundation

/// Turns finished runs into the paper's tables and verdicts. Every number comes from the runs;
/// nothing is typed. The significance test is injected (a paired test on the test predictions
/// of two cells, seeds aligned), so the statistics live in the Evaluation layer.
public enum PaperAssembly {
    /// Two-sided p-value that two cells of a table with `metric` differ, from their per-seed
    /// test predictions.
    public typealias Significance = (_ metric: TableMetric, _ a: [Predictions], _ b: [Predictions]) -> Double

    public static func tables(plan: PaperPlan, tables: [PaperTable], results: [String: (RunResult, Predictions)],
                              significance: Significance) -> [RenderedTable] {
        var out: [RenderedTable] = []
        var datasets: [String] = []
        for cell in plan.cells where !datasets.contains(cell.dataset) { datasets.append(cell.dataset) }
        for dataset in datasets {
            for table in tables {
                let cells = plan.cells.filter { $0.table == table.id && $0.dataset == dataset }
                guard !cells.isEmpty else { continue }
                var summaries: [CellSummary] = []
                for cell in cells {
                    let runs = cell.runs.compactMap { results[$0] }
                    guard runs.count == cell.runs.count else { continue }
                    var p: Double?
                    var sameRunsAs: String?
                    if cell.row != table.claimedBestRow,
                       let best = cells.first(where: { $0.row == table.claimedBestRow && $0.column == cell.column }) {
                        let bestRuns = best.runs.compactMap { results[$0] }
                        if best.runs == cell.runs {
                            sameRunsAs = best.row
                        } else if bestRuns.count == best.runs.count {
                            p = significance(table.metric, runs.map(\.1), bestRuns.map(\.1))
                        }
                    }
                    let ranked = table.metric == .ranking
                    let ranking = ranked ? RankingValues(k: runs.first?.0.rankingK ?? 0, hitRates: runs.map { $0.0.testHitRate ?? .nan },
                                                         ndcgs: runs.map { $0.0.testNDCG ?? .nan }) : nil
                    summaries.append(CellSummary(row: cell.row, column: cell.column, aucs: runs.map { ranked ? $0.0.testUAUC : $0.0.testAUC },
                                                 pValue: p, paperValue: table.paperValue(row: cell.row, column: cell.column),
                                                 sameRunsAs: sameRunsAs, wallSeconds: runs.map(\.0.wallSeconds), ranking: ranking,
                                                 comparedWith: p == nil || !ranked ? nil : table.claimedBestRow))
                }
                if table.metric == .ranking {
                    summaries = testedAgainstBestOther(summaries, table: table, cells: cells, results: results, significance: significance)
                }
                var rendered = RenderedTable(id: table.id, title: table.title, dataset: dataset,
                                             rows: table.rows.map(\.label), columns: table.columns.map(\.label), cells: summaries)
                rendered.isStudy = table.isStudy
                rendered.reference = table.reference
                rendered.printedValues = table.paperValues
                if table.metric == .ranking {
                    let runs = Set(cells.flatMap(\.runs))
                    rendered.rankingK = plan.configurations.first { runs.contains($0.runName) }?.sequence.rankingK
                }
                rendered.numerics = numericsSummary(Set(cells.flatMap(\.runs)).sorted().compactMap { results[$0]?.0 })
                out.append(rendered)
            }
        }
        return out
    }

    /// A ranking table's claimed-best row tested against the best other row of its column (by
    /// mean NDCG@K), the other rows staying tested against it.
    static func testedAgainstBestOther(_ summaries: [CellSummary], table: PaperTable, cells: [PaperPlan.Cell],
                                       results: [String: (RunResult, Predictions)], significance: Significance) -> [CellSummary] {
        summaries.map { s in
            guard s.row == table.claimedBestRow,
                  let other = summaries.filter({ $0.column == s.column && $0.row != s.row && $0.sameRunsAs == nil }).max(by: { $0.mean < $1.mean }),
                  let mine = cells.first(where: { $0.row == s.row && $0.column == s.column }),
                  let theirs = cells.first(where: { $0.row == other.row && $0.column == s.column }) else { return s }
            let p = significance(table.metric, mine.runs.compactMap { results[$0]?.1 }, theirs.runs.compactMap { results[$0]?.1 })
            return CellSummary(row: s.row, column: s.column, aucs: s.aucs, pValue: p, paperValue: s.paperValue, sameRunsAs: s.sameRunsAs,
                               wallSeconds: s.wallSeconds, ranking: s.ranking, comparedWith: other.row)
        }
    }

    /// The products and kernel sets of `runs`, counted: "openblas: Haswell kernels 21 runs,
    /// Cooperlake kernels 9 runs" (runs stored before the product was recorded are OpenBLAS's;
    /// their kernels may not be recorded either).
    static func numericsSummary(_ runs: [RunResult]) -> String {
        func count(_ n: Int) -> String { "\(n) run\(n == 1 ? "" : "s")" }
        var kernels: [String: Int] = [:], exact = 0
        for r in runs {
            if r.numerics?.matrixProduct == .exactFMA { exact += 1; continue }
            kernels[r.blasCore.map { "\($0) kernels" } ?? "kernels not recorded", default: 0] += 1
        }
        var parts: [String] = []
        if exact > 0 { parts.append("exact-fma \(count(exact))") }
        if !kernels.isEmpty {
            parts.append("openblas: " + kernels.keys.sorted().map { "\($0) \(count(kernels[$0]!))" }.joined(separator: ", "))
        }
        return parts.joined(separator: "; ")
    }

    /// Two-sided p-value that `row` differs from `reference` in one column of a table:
    /// (table, column, row, reference) -> p, nil when not computable.
    public typealias RowSignificance = (_ table: RenderedTable, _ column: String, _ row: String, _ reference: String) -> Double?

    /// The paper's claims, judged on each dataset's tables.
    public static func verdicts(_ tables: [RenderedTable], significance: RowSignificance) -> [ClaimVerdict] {
        var out: [ClaimVerdict] = []
        for t in tables {
            switch t.id {
            case "II":
                out.append(ClaimJudge.bestRow(claim: "ATFLRec beats every baseline at K=100 and K=500", table: t, claimedBest: "ATFLRec"))
            case "III":
                out.append(ClaimJudge.bestRow(claim: "separate adapters (a) are best among the LoRA layouts", table: t,
                                              claimedBest: "(a) separate audio and text adapters"))
                let bc = subtable(t, rows: ["(b) one adapter on fused input", "(c) text only"], significance: significance)
                out.append(ClaimJudge.bestRow(claim: "one fused adapter (b) beats text only (c)", table: bc,
                                              claimedBest: "(b) one adapter on fused input"))
            case "IV":
                let stacking = subtable(t, rows: t.rows.filter { $0.hasPrefix("stacking") }, significance: significance)
                out.append(ClaimJudge.bestRow(claim: "max is the best audio stacking pooling", table: stacking, claimedBest: "stacking max"))
                let fusionMax = subtable(t, rows: t.rows.filter { $0.hasPrefix("fusion") }, significance: significance)
                out.append(ClaimJudge.bestRow(claim: "max is the best fusion pooling (paper III-C, first statement)",
                                              table: fusionMax, claimedBest: "fusion max"))
                let fusionSum = subtable(t, rows: t.rows.filter { $0.hasPrefix("fusion") }, significance: significance, best: "fusion sum")
                out.append(ClaimJudge.bestRow(claim: "sum is the best fusion pooling (paper III-C, second statement)",
                                              table: fusionSum, claimedBest: "fusion sum"))
            case "V":
                out.append(ClaimJudge.bestRow(claim: "80 FBank bins are best", table: t, claimedBest: "80 bins"))
            case "S1":
                let every = PaperTables.strideStudyRows[0].1
                for (stride, row) in PaperTables.strideStudyRows.dropFirst() {
                    out.append(ClaimJudge.noSignificantLoss(claim: "frame stride \(stride) keeps the AUC of every frame (ours, issue 29)",
                                                            table: t, row: row, reference: every))
                }
            case "T1":
                // TALLRec's claim (its Table 1): instruction-tuned text beats the ID baselines,
                // here on our backbone; then ATFLRec's own, in TALLRec's protocol: audio adds to it.
                let text = PaperTables.tallrecTextRow
                let ids = subtable(t, rows: [text] + PaperTables.tallrecIDRows, significance: significance)
                out.append(ClaimJudge.bestRow(claim: "TALLRec's method (text only, layout (c)) beats every ID baseline at each K (TALLRec, Table 1)",
                                              table: ids, claimedBest: text))
                for audio in PaperTables.tallrecAudioRows {
                    let pair = subtable(t, rows: [audio, text], significance: significance)
                    out.append(ClaimJudge.bestRow(claim: "\(audio) beats text only (c) in TALLRec's protocol (ours)", table: pair, claimedBest: audio))
                }
            case "R1":
                out.append(ClaimJudge.bestRow(claim: "the MLLM-MSR adaptation ranks best among the protocol's models (NDCG@5)", table: t,
                                              claimedBest: PaperTables.msrRow))
            case "R2":
                let msr = PaperTables.msrRow
                let recurrence = subtable(t, rows: [msr, PaperTables.noRecurrenceRow], significance: significance)
                out.append(ClaimJudge.bestRow(claim: "the recurrence helps (MLLM-MSR's seed; NDCG@5)", table: recurrence, claimedBest: msr))
                let summaries = subtable(t, rows: [msr, PaperTables.titlesOnlyRow], significance: significance)
                out.append(ClaimJudge.bestRow(claim: "summaries keep the information the sequence model needs (with them against titles only; NDCG@5)",
                                              table: summaries, claimedBest: msr))
                // Block sizes 2, 5 (the model), 10 and 20 (one block: no recurrence); the claim
                // names no size, so the best by mean is the candidate, and it must beat every other.
                let blocks = [PaperTables.blockRows[0].1, msr, PaperTables.blockRows[1].1, PaperTables.noRecurrenceRow]
                let finished = blocks.compactMap { r in t.cells.first { $0.row == r } }
                let candidate = finished.count == blocks.count ? finished.max { $0.mean < $1.mean }!.row : msr
                let sizes = subtable(t, rows: blocks, significance: significance, best: candidate)
                out.append(ClaimJudge.bestRow(claim: "there is a best block size (of 2, 5, 10 and 20 items; NDCG@5)", table: sizes, claimedBest: candidate))
            default:
                break
            }
        }
        return out
    }

    /// The rows of `table` as a table of their own, with p-values recomputed against `best`
    /// (default: the first row) through `significance(table, column, row, best)`.
    static func subtable(_ table: RenderedTable, rows: [String], significance: RowSignificance,
                         best: String? = nil) -> RenderedTable {
        let reference = best ?? rows.first ?? ""
        let cells = table.cells.filter { rows.contains($0.row) }.map { c in
            CellSummary(row: c.row, column: c.column, aucs: c.aucs,
                        pValue: c.row == reference ? nil : significance(table, c.column, c.row, reference), paperValue: c.paperValue,
                        wallSeconds: c.wallSeconds, ranking: c.ranking, comparedWith: c.row == reference || c.ranking == nil ? nil : reference)
        }
        return RenderedTable(id: table.id, title: table.title, dataset: table.dataset, rows: rows, columns: table.columns, cells: cells)
    }
}
