/// A claim of the paper judged on one table and dataset.
public struct ClaimVerdict: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        case holds = "holds"
        case doesNotHold = "does not hold"
        case inconclusive = "inconclusive"
        case notTestable = "not testable here"
        /// The runs the claim needs are in the plan but not finished (a partial sitting).
        case notRunYet = "not run yet"
    }

    public let claim: String
    public let table: String
    public let dataset: String
    public let outcome: Outcome
    public let evidence: String
}

/// Judges "row R is best" claims from cell summaries, per column, at significance level alpha:
/// - holds: in every column R has the highest mean and every other row is below it with p < alpha;
/// - does not hold: in some column another row's mean is above R's with p < alpha
///   (its p-value against R);
/// - inconclusive: otherwise (R ahead or behind only within noise somewhere; the evidence
///   line gives the means so a reader sees which way the point estimates go);
/// - not run yet: R's runs, or another row's, are not finished in some column and no finished
///   row already contradicts the claim (a best-row claim cannot hold against unrun rows).
public enum ClaimJudge {
    public static func bestRow(claim: String, table: RenderedTable, claimedBest: String, alpha: Double = 0.05) -> ClaimVerdict {
        var evidence: [String] = []
        var allClear = true
        var contradicted = false
        var missing: [String] = []
        for column in table.columns {
            guard let best = table.cell(claimedBest, column) else {
                return ClaimVerdict(claim: claim, table: table.id, dataset: table.dataset, outcome: .notRunYet,
                                    evidence: "runs for '\(claimedBest)' at \(column) not finished")
            }
            let others = table.rows.filter { $0 != claimedBest }.compactMap { table.cell($0, column) }
            missing += table.rows.filter { $0 != claimedBest && table.cell($0, column) == nil }.map { "'\($0)' at \(column)" }
            let top = others.max { $0.mean < $1.mean }
            var line = "\(column): \(claimedBest) \(RenderedTable.fixed(best.mean, 4))"
            if let top {
                line += ", best other \(top.row) \(RenderedTable.fixed(top.mean, 4)) (\(RenderedTable.pText(top.pValue).isEmpty ? "p n/a" : RenderedTable.pText(top.pValue)))"
            }
            var ahead: [String] = []
            for o in others {
                let significant = (o.pValue ?? 1) < alpha
                if o.mean >= best.mean || !significant { allClear = false }
                if o.mean > best.mean && significant {
                    contradicted = true
                    ahead.append("\(o.row) \(RenderedTable.fixed(o.mean, 4)) (\(RenderedTable.pText(o.pValue)))")
                }
            }
            if !ahead.isEmpty { line += "; significantly ahead: " + ahead.joined(separator: ", ") }
            evidence.append(line)
        }
        if !contradicted && !missing.isEmpty {
            return ClaimVerdict(claim: claim, table: table.id, dataset: table.dataset, outcome: .notRunYet,
                                evidence: "runs for \(missing.joined(separator: ", ")) not finished; so far " + evidence.joined(separator: "; "))
        }
        let outcome: ClaimVerdict.Outcome = allClear ? .holds : (contradicted ? .doesNotHold : .inconclusive)
        return ClaimVerdict(claim: claim, table: table.id, dataset: table.dataset, outcome: outcome,
                            evidence: evidence.joined(separator: "; "))
    }

    /// "Row R loses nothing against the reference row": a claim of no loss, judged per column:
    /// - does not hold: in some column R's mean is below the reference's with p < alpha;
    /// - holds: otherwise, in every column (R ahead, or behind only within noise: the evidence
    ///   gives the difference and p, since no significant loss is not proof of none);
    /// - not run yet: R's or the reference's runs are not finished in some column.
    public static func noSignificantLoss(claim: String, table: RenderedTable, row: String, reference: String,
                                         alpha: Double = 0.05) -> ClaimVerdict {
        var evidence: [String] = []
        var lost = false
        for column in table.columns {
            guard let r = table.cell(row, column), let ref = table.cell(reference, column) else {
                return ClaimVerdict(claim: claim, table: table.id, dataset: table.dataset, outcome: .notRunYet,
                                    evidence: "runs for '\(table.cell(row, column) == nil ? row : reference)' at \(column) not finished")
            }
            let difference = r.mean - ref.mean
            let p = RenderedTable.pText(r.pValue)
            evidence.append("\(column): \(row) \(RenderedTable.fixed(r.mean, 4)) against \(RenderedTable.fixed(ref.mean, 4)) "
                            + "(difference \(difference >= 0 ? "+" : "")\(RenderedTable.fixed(difference, 4)), \(p.isEmpty ? "p n/a" : p))")
            if difference < 0 && (r.pValue ?? 1) < alpha { lost = true }
        }
        return ClaimVerdict(claim: claim, table: table.id, dataset: table.dataset, outcome: lost ? .doesNotHold : .holds,
                            evidence: evidence.joined(separator: "; "))
    }
}
