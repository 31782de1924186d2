// Issue 8 acceptance: `atflrec paper --profile quick` runs every table of the paper end to end
// (plan -> baselines and ATFLRec runs -> run store -> tables, report, manifest) and two fresh
// runs give byte-identical tables.
//
// The encoder is the committed tiny BERT fixture (2 layers, width 32, 250-word vocabulary;
// Tests/Fixtures/text/tiny-bert), so each ATFLRec run takes seconds: this test checks the
// pipeline and its determinism, not the models' quality (the ATFLRec and baseline suites on
// synthlens do that with the real MiniLM weights).
import Crypto
import Foundation
import Testing
import TestSupport

@Suite("make paper, quick profile", .serialized)
struct PaperQuickProfileTests {
    static let expectedRows: [String: [String]] = [
        "II": ["GRU4Rec", "SASRec", "GCN (LightGCN)", "GraphSAGE", "ATFLRec"],
        "III": ["(a) separate audio and text adapters", "(b) one adapter on fused input", "(c) text only"],
        "IV": ["stacking max", "stacking mean", "stacking sum", "fusion max", "fusion mean", "fusion sum"],
        "V": ["40 bins", "64 bins", "80 bins", "128 bins (50 ms frames)"],
    ]
    static let expectedColumns: [String: [String]] = ["II": ["K=32", "K=64"], "III": ["K=32", "K=64"], "IV": ["K=64"], "V": ["K=64"]]

    /// `atflrec paper --profile quick` with the tiny encoder into `output` (a fresh folder when nil).
    func quickRun(_ label: String, into existing: URL? = nil) throws -> (output: URL, run: CLIRun, checkpoints: URL)? {
        let output = try existing ?? Fixtures.temporaryDirectory("paper-\(label)")
        let checkpoints = try Fixtures.temporaryDirectory("paper-checkpoints-\(label)")
        let tinyBERT = Fixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/text/tiny-bert").path
        guard let r = try runATFLRec(["paper", "--profile", "quick", "--root", Fixtures.repositoryRoot.path,
                                      "--text-model", tinyBERT, "--checkpoints", checkpoints.path, "--output", output.path, "--checkpoints", checkpoints.path])
        else { return nil }
        #expect(r.status == 0, "atflrec paper exited \(r.status): \(r.stderr.suffix(2000))")
        return (output, r, checkpoints)
    }

    /// Rows of a table CSV as (row, column) pairs, skipping the header; fields may be quoted.
    static func cells(csv: String) -> [[String]] {
        csv.split(separator: "\n").dropFirst().map { line in
            var fields: [String] = [], field = "", quoted = false
            for ch in line {
                if ch == "\"" { quoted.toggle() } else if ch == "," && !quoted { fields.append(field); field = "" } else { field.append(ch) }
            }
            fields.append(field)
            return fields
        }
    }

    @Test func everyTableIsWrittenAndTwoRunsAreIdentical() throws {
        guard let first = try quickRun("first"), let second = try quickRun("second") else { return }
        for run in [first, second] {
            #expect(run.run.stderr.contains("paper plan: 21 runs, 0 finished, 21 to run"), "\(run.run.stderr.prefix(3000))")
        }
        let fm = FileManager.default
        for (id, rows) in Self.expectedRows {
            let columns = Self.expectedColumns[id]!
            for ext in ["md", "tex", "csv"] {
                let name = "tables/table-\(id)-synthlens.\(ext)"
                let a = try Data(contentsOf: first.output.appendingPathComponent(name))
                let b = try Data(contentsOf: second.output.appendingPathComponent(name))
                #expect(a == b, "\(name) differs between two quick runs")
            }
            let csv = try String(contentsOf: first.output.appendingPathComponent("tables/table-\(id)-synthlens.csv"), encoding: .utf8)
            let found = Self.cells(csv: csv).map { [$0[2], $0[3]] }
            let expected = rows.flatMap { r in columns.map { [r, $0] } }
            #expect(found == expected, "table \(id): cells \(found)")
            for fields in Self.cells(csv: csv) {
                let auc = Double(fields[5]) ?? .nan
                #expect(auc >= 0 && auc <= 1 && fields[4] == "1", "table \(id): \(fields)")
            }
        }
        // Table I: the template once and the example of the one dataset, in every format, the same twice.
        for ext in ["md", "tex", "csv"] {
            let name = "tables/table-I.\(ext)"
            #expect(try Data(contentsOf: first.output.appendingPathComponent(name)) == Data(contentsOf: second.output.appendingPathComponent(name)),
                    "\(name) differs between two quick runs")
        }
        let tableOne = try String(contentsOf: first.output.appendingPathComponent("tables/table-I.md"), encoding: .utf8)
        #expect(tableOne.components(separatedBy: "Template (`paper/prompt_template.txt`)").count == 2)
        #expect(tableOne.components(separatedBy: "Rendered for test sample ").count == 2 && tableOne.contains(" of synthlens (user "))
        // The report names every claim with a verdict, and the manifest covers the tables and runs.
        let report = try String(contentsOf: first.output.appendingPathComponent("REPORT.md"), encoding: .utf8)
        for claim in ["ATFLRec beats every baseline", "separate adapters (a)", "80 FBank bins are best", "max is the best audio stacking pooling"] {
            #expect(report.contains(claim), "REPORT.md lacks the claim '\(claim)'")
        }
        #expect(report.contains("## Table I: instruction template") && report.contains("User Preference:"))
        // Where the time goes: one line per run here (one seed; a cell shared by several tables,
        // like Table II's ATFLRec row, is listed once), nothing left to do.
        let timeLines = report.components(separatedBy: "## Where the time goes")[1].split(separator: "\n").filter { $0.hasPrefix("- synthlens Table ") }
        #expect(timeLines.count == 21 && timeLines.allSatisfy { $0.contains(": 1 done in ") && !$0.contains("to do") }, "\(timeLines)")
        let manifest = try String(contentsOf: first.output.appendingPathComponent("MANIFEST.sha256"), encoding: .utf8)
        #expect(manifest.contains("tables/table-II-synthlens.csv") && manifest.contains("tables/table-I.csv") && manifest.contains("REPORT.md"))
        #expect(manifest.split(separator: "\n").filter { $0.contains("/result.json") }.count == 21)
        // Every run's checkpoint is listed by the hash the run recorded, and the file it names
        // (here, in this test's checkpoint folder) has that hash: `sha256sum -c` would pass.
        let checkpointLines = manifest.split(separator: "\n").filter { $0.hasSuffix("/best.h5") }
        #expect(checkpointLines.count == 21)
        for line in checkpointLines {
            let parts = line.split(separator: " ", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let file = first.output.appendingPathComponent(parts[1])
            let digest = SHA256.hash(data: try Data(contentsOf: file)).map { String(format: "%02x", $0) }.joined()
            #expect(digest == parts[0], "\(line)")
        }
        // Run folders only: the workers' locks and histories (runs/.locks, not committed) are hidden.
        let runs = try fm.contentsOfDirectory(atPath: first.output.appendingPathComponent("runs").path).filter { !$0.hasPrefix(".") }.sorted()
        #expect(runs.count == 21)
        // The second sitting re-trained every run into another checkpoint folder, seconds later:
        // each best.h5 has the same bytes (HDF5Writer stores no times) and the same tensors.
        for run in runs {
            func hashes(_ output: URL) throws -> [String?] {
                let data = try Data(contentsOf: output.appendingPathComponent("runs/\(run)/result.json"))
                let result = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
                return ["checkpointSHA256", "modelTensorsSHA256"].map { result[$0] as? String }
            }
            let (a, b) = (try hashes(first.output), try hashes(second.output))
            #expect(a.allSatisfy { $0?.count == 64 } && a == b, "\(run): first \(a), second \(b)")
        }

        try recomputeOneRun(in: second.output)
        try verifyReDerivesAndCatchesTampering(first.output, checkpoints: first.checkpoints)
    }

    /// `atflrec paper verify` on a quick store: the stored files pass, two runs re-trained from
    /// their configurations are identical, and each of three edits is a named failure.
    func verifyReDerivesAndCatchesTampering(_ output: URL, checkpoints: URL) throws {
        func verify(_ folder: URL, _ extra: [String]) throws -> CLIRun? {
            let tinyBERT = Fixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/text/tiny-bert").path
            return try runATFLRec(["paper", "verify", "--profile", "quick", "--root", Fixtures.repositoryRoot.path, "--output", folder.path,
                            "--text-model", tinyBERT, "--checkpoints", checkpoints.path,
                            "--no-figures", "--scratch", try Fixtures.temporaryDirectory("verify-scratch").path] + extra)
        }
        let runs = try FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent("runs").path).filter { !$0.hasPrefix(".") }.sorted()
        let baseline = try #require(runs.first { $0.hasPrefix("gru4rec") }), atflrec = try #require(runs.first { $0.hasPrefix("atflrec-a") })
        guard let clean = try verify(output, ["--runs", baseline, atflrec]) else { return }
        #expect(clean.status == 0, "verify exited \(clean.status): \(clean.stderr.suffix(3000))")
        #expect(clean.stdout.contains("verify: no mismatch") && clean.stdout.contains("2 runs re-trained (2 identical)"), "\(clean.stdout)")
        let report = try String(contentsOf: output.appendingPathComponent("VERIFY.md"), encoding: .utf8)
        #expect(report.contains("| \(baseline) | Haswell | Haswell | identical (Haswell) | 0 of "), "\(report)")
        // VERIFY.md is not an output the manifest covers, so writing it keeps the store verifiable.
        try FileManager.default.removeItem(at: output.appendingPathComponent("VERIFY.md"))

        let edits: [(file: String, edit: (String) -> String)] = [
            ("runs/\(baseline)/predictions.csv", { text in
                // The first score's last digit.
                var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                let last = lines[1].removeLast()
                lines[1].append(last == "1" ? "2" : "1")
                return lines.joined(separator: "\n")
            }),
            ("runs/\(atflrec)/result.json", { $0.replacingOccurrences(of: "\"testAUC\" : 0.", with: "\"testAUC\" : 0.9") }),
            ("tables/table-II-synthlens.md", { $0.replacingOccurrences(of: "| 0.", with: "| 0.9", options: [], range: $0.range(of: "| 0.")) }),
        ]
        for (file, edit) in edits {
            let copy = try Fixtures.temporaryDirectory("verify-tampered")
            try FileManager.default.removeItem(at: copy)
            try FileManager.default.copyItem(at: output, to: copy)
            let target = copy.appendingPathComponent(file)
            let original = try String(contentsOf: target, encoding: .utf8)
            let changed = edit(original)
            try #require(changed != original, "the edit of \(file) changed nothing")
            try changed.write(to: target, atomically: true, encoding: .utf8)
            guard let r = try verify(copy, ["--stored-only"]) else { return }
            #expect(r.status == 1, "verify accepted an edited \(file): \(r.stdout)")
            let mismatches = r.stderr.split(separator: "\n").filter { $0.hasPrefix("verify: MISMATCH ") }
            #expect(mismatches.contains { $0.contains("\(file): SHA-256 differs from MANIFEST.sha256") }, "\(file): \(r.stderr)")
            if file.hasSuffix("result.json") {
                #expect(mismatches.contains { $0.contains("\(file): testAUC 0.9") && $0.contains("but predictions.csv gives") }, "\(r.stderr)")
            }
        }
    }

    /// Deleting one run of a finished store recomputes only that run, and the tables come out identical.
    func recomputeOneRun(in output: URL) throws {
        let tables = output.appendingPathComponent("tables")
        let read = { try FileManager.default.contentsOfDirectory(atPath: tables.path).sorted().map { try Data(contentsOf: tables.appendingPathComponent($0)) } }
        let before = try read()
        let runs = output.appendingPathComponent("runs")
        let victim = try #require(try FileManager.default.contentsOfDirectory(atPath: runs.path).sorted().first { $0.hasPrefix("atflrec-b") })
        try FileManager.default.removeItem(at: runs.appendingPathComponent(victim))
        guard let again = try quickRun("recompute", into: output)?.run else { return }
        #expect(again.stderr.contains("paper plan: 21 runs, 20 finished, 1 to run"), "\(again.stderr.prefix(3000))")
        #expect(again.stderr.contains("finished \(victim)"), "\(again.stderr.suffix(2000))")
        #expect(try read() == before, "tables changed after recomputing \(victim)")
    }
}
