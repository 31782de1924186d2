import Foundation

extension PaperVerification.Report {
    /// VERIFY.md: what was checked, re-scored and re-trained, and with which result.
    public func markdown() -> String {
        var out = """
            # Verification of the committed runs

            Written by `atflrec paper verify` (`make verify`; docs/paper.md, "Verifying"). It re-derives the
            committed results on the machine that runs it and compares them byte for byte.

            - CPU: \(cpu) (flags \(cpuFlags.joined(separator: " ")))
            - request: \(request)
            - wall time: \(ProgressLine.duration(wallSeconds))
            - result: \(failures.isEmpty ? "no mismatch" : "\(failures.count) mismatches")

            ## Stored files

            - \(storedRuns) stored runs; \(manifestChecked) files of MANIFEST.sha256 present and checked
              (checkpoints are not committed: only those on this machine are checked)
            - every run's test AUC, UAUC and log loss recomputed from its predictions.csv
            - \(rerendered) outputs (tables, report, manifest\(rerendered > 0 ? ", figures where drawn" : "")) rendered again from the stored runs and compared byte for byte


            """
        out += findings.isEmpty ? "All identical.\n" : findings.map { "- MISMATCH \($0)" }.joined(separator: "\n") + "\n"
        out += "\n## Published models\n\n"
        out += rescored.isEmpty ? "None re-scored.\n"
            : "| model | re-scored by `atflrec eval` |\n| --- | --- |\n" + rescored.map { "| \($0.model) | \($0.identical ? "identical" : "MISMATCH: " + $0.detail) |" }.joined(separator: "\n") + "\n"
        out += "\n## Re-trained runs\n\n"
        if remade.isEmpty {
            out += "None.\n"
        } else {
            let same = remade.filter { $0.outcome == .identical }.count
            out += "\(remade.count) re-trained from their committed config.json, \(same) identical (predictions.csv byte for byte, test AUC, UAUC, log loss, model tensors hash where recorded).\n\n"
            out += "| run | kernels committed | kernels tried here | result | differing scores | largest difference | AUC change | seconds here (committed) |\n"
            out += "| --- | --- | --- | --- | --- | --- | --- | --- |\n"
            for r in remade {
                let c = r.comparison
                let result = r.outcome == .identical ? "identical (\(r.reproducingCore!))" : r.outcome == .differs ? "MISMATCH" : r.outcome.rawValue
                out += "| \(r.run) | \(r.committedCore) | \(r.triedCores.joined(separator: ", ")) | \(result) | \(c.differingScores) of \(c.scores) | "
                    + String(format: "%.3g | %+.6f | %.0f (%.0f) |\n", c.largestDifference, c.aucChange, r.seconds, r.committedSeconds)
            }
        }
        out += "\n## Bound to their CPU family\n\n"
        if bound.isEmpty {
            out += "None: this CPU runs the kernels of every committed run.\n"
        } else {
            out += "Runs made with kernels this CPU cannot run (their bytes can be re-made only on a CPU that has them):\n\n"
            for b in bound {
                out += String(format: "- %@: %d runs, %.1f h recorded: ", b.core, b.runs.count, b.hours) + b.runs.joined(separator: ", ") + "\n"
            }
        }
        out += String(format: "\n## Not re-trained this time\n\n%d runs that this CPU can re-make (%.1f h recorded) were not drawn; another `--sample-seed`, `--runs` or `--all` re-trains them.\n",
                      notChosen, notChosenHours)
        return out
    }
}
