import ArgumentParser
import Experiments
import Foundation
import TensorCore

/// `atflrec paper verify` (`make verify`): for a reviewer. Checks the committed files against the
/// manifest, recomputes every run's metrics from its predictions, renders the tables, report,
/// manifest and figures again and compares them byte for byte, re-scores the published models,
/// and re-trains committed runs (all baselines, then ATFLRec runs drawn within the budget) and
/// compares them byte for byte. Writes VERIFY.md; exits 1 on any mismatch.
struct PaperVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-derive the committed runs and outputs and compare them byte for byte (writes VERIFY.md).")

    @Option(help: "Profile whose runs to verify.")
    var profile = "full"

    @Option(help: "Minutes of re-training (by the runs' recorded wall times): all baseline runs, then ATFLRec runs drawn by --sample-seed while they fit.")
    var budget: Double = 60

    @Option(name: .customLong("sample-seed"), help: "Seed of the draw of ATFLRec runs (another seed draws others).")
    var sampleSeed: UInt64 = 0

    @Option(name: .customLong("runs"), parsing: .upToNextOption, help: "Re-train exactly these runs (names as in paper/runs).")
    var runNames: [String] = []

    @Flag(help: "Re-train every run this CPU can re-make (the whole plan's compute).")
    var all = false

    @Flag(name: .customLong("stored-only"), help: "Check the stored files only; re-train nothing.")
    var storedOnly = false

    @Flag(name: .customLong("dry-run"), help: "Print the runs that would be re-trained, with their recorded times, and stop.")
    var dryRun = false

    @Flag(name: .customLong("no-figures"), help: "Do not draw the figures again (needs matplotlib otherwise).")
    var noFigures = false

    @Option(name: .customLong("text-model"), help: "The encoder folder the runs were made with, if not MiniLM-L6 (as given to atflrec paper).")
    var textModel: String?

    @Option(help: "Repository root.")
    var root = "."

    @Option(name: .customLong("run-store"), help: "Run store; default paper/runs, or paper/<profile>/runs.")
    var runStore: String?

    @Option(help: "Folder of the committed outputs; default paper, or paper/<profile>.")
    var output: String?

    @Option(help: "Root of the runs' checkpoints, as given to atflrec paper (the manifest names them).")
    var checkpoints = "checkpoints/paper"

    @Option(help: "Verify the edition of the plan made with this matrix product (as given to atflrec paper --numerics): outputs in <output>/<numerics>, runs in the shared store.")
    var numerics: MatrixProduct?

    @Option(help: "Where VERIFY.md is written; default <output>/VERIFY.md.")
    var report: String?

    @Option(help: "Scratch folder for re-trained runs and the second rendering; default a new temporary folder.")
    var scratch: String?

    func run() throws {
        do {
            let chosen = [all, storedOnly, !runNames.isEmpty].filter { $0 }.count
            guard chosen <= 1 else { throw ValidationError("--all, --stored-only and --runs exclude each other") }
            guard budget >= 0, budget.isFinite else { throw ValidationError("--budget \(budget): expected minutes, 0 or more") }
            let rootURL = URL(fileURLWithPath: root)
            let p = try PaperProfile.load(profile, root: rootURL)
            let base = PaperProfile.outputFolder(p.name, root: rootURL)
            let outputURL = URL(fileURLWithPath: output ?? (numerics.map { base.appendingPathComponent($0.rawValue) } ?? base).path)
            let defaultStore = output == nil ? p.defaultRunStore(root: rootURL) : outputURL.appendingPathComponent("runs")
            let scratchURL = URL(fileURLWithPath: scratch ?? NSTemporaryDirectory() + "atflrec-verify-\(ProcessInfo.processInfo.processIdentifier)")
            try FileManager.default.createDirectory(at: scratchURL, withIntermediateDirectories: true)
            let locations = PaperSession.Locations(
                root: rootURL, runs: URL(fileURLWithPath: runStore ?? defaultStore.path),
                checkpoints: URL(fileURLWithPath: checkpoints).appendingPathComponent(p.name), output: outputURL)
            let extra = textModel.map { ["text.modelPath=\(URL(fileURLWithPath: $0).standardizedFileURL.path)"] } ?? []
            let session = try PaperSession(profile: p, extraOverrides: extra, numerics: numerics, locations: locations)
            let request: VerifySelection.Request
            let described: String
            if all { request = .all; described = "--all" }
            else if storedOnly { request = .none; described = "--stored-only" }
            else if !runNames.isEmpty { request = .runs(runNames); described = "--runs " + runNames.joined(separator: " ") }
            else {
                request = .budget(seconds: budget * 60, sampleSeed: sampleSeed)
                described = String(format: "--budget %g minutes --sample-seed %llu", budget, sampleSeed)
            }
            let executable = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
            let verification = PaperVerification(
                session: session, trainer: ChildProcessTrainer(executable: executable, root: rootURL, scratch: scratchURL.appendingPathComponent("runs")),
                cpuFlags: BLASCore.cpuFlags(cpuinfo: BLASCore.cpuinfo))
            let log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
            if dryRun {
                let chosen = try VerifySelection.choose(verification.candidates(try session.loadFinished()), request: request)
                for c in chosen {
                    print("\(c.run)  \(c.stratum)  kernels \(c.recordedCore ?? "not recorded")  \(ProgressLine.duration(c.recordedSeconds)) recorded")
                }
                print("\(chosen.count) runs, \(ProgressLine.duration(chosen.map(\.recordedSeconds).reduce(0, +))) by their recorded wall times")
                return
            }
            let result = try verification.run(
                request: request, requestDescription: described, figures: !noFigures, scratch: scratchURL,
                rescore: { try PublishedModels.rescore(root: rootURL, runs: locations.runs, plan: session.plan) }, log: log)
            let reportURL = URL(fileURLWithPath: report ?? outputURL.appendingPathComponent("VERIFY.md").path)
            try AtomicFile.write(Data(result.markdown().utf8), to: reportURL)
            let same = result.remade.filter { $0.outcome == .identical }.count
            print("verify: \(result.failures.isEmpty ? "no mismatch" : "\(result.failures.count) mismatches"); "
                + "\(result.rerendered) outputs rendered again, \(result.rescored.count) published models re-scored, "
                + "\(result.remade.count) runs re-trained (\(same) identical); report \(reportURL.path)")
            if !result.failures.isEmpty { throw ExitCode(1) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("atflrec paper verify: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
