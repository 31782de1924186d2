import Foundation
import TensorCore

/// `atflrec paper verify` (issue 25): re-derives what the committed runs and outputs claim and
/// writes VERIFY.md. Three parts: the stored files (manifest, metrics from predictions, outputs
/// rendered again, byte for byte: StoredRunsCheck); the published models re-scored (a callback,
/// since scoring needs the model code above this layer's view); runs re-trained from their
/// configurations in child processes and compared (RunComparison). Any difference is a failure
/// naming its file, except a run whose kernels were never recorded and that no kernel set this
/// CPU runs reproduces: that run is reported as bound to another CPU family.
public struct PaperVerification {
    public enum Outcome: String, Sendable {
        case identical
        case differs
        /// Kernels not recorded and none of those tried reproduced the run.
        case unreproducedUnknownKernels = "not reproduced (kernels not recorded)"
    }

    public struct Remade: Sendable {
        public var run: String
        public var committedCore: String
        public var triedCores: [String]
        /// The kernels that reproduced it (nil: none did).
        public var reproducingCore: String?
        public var comparison: RunComparison
        public var outcome: Outcome
        public var seconds: Double
        public var committedSeconds: Double
    }

    public struct Rescored: Sendable {
        public var model: String
        public var identical: Bool
        public var detail: String
    }

    public struct Report: Sendable {
        public var cpu: String
        public var cpuFlags: [String]
        public var request: String
        public var storedRuns: Int
        public var manifestChecked: Int
        public var rerendered: Int
        public var findings: [StoredRunsCheck.Finding]
        public var rescored: [Rescored]
        public var remade: [Remade]
        /// Runs whose recorded kernels this CPU cannot run, by kernel set.
        public var bound: [(core: String, runs: [String], hours: Double)]
        public var notChosen: Int
        public var notChosenHours: Double
        public var wallSeconds: Double

        public var failures: [String] {
            findings.map(\.description)
                + rescored.filter { !$0.identical }.map { "published model \($0.model): \($0.detail)" }
                + remade.filter { $0.outcome == .differs }.map { "paper/runs/\($0.run)/predictions.csv: re-made with the \($0.triedCores.joined(separator: ", ")) kernels, \($0.comparison.summary)" }
        }
    }

    public let session: PaperSession
    public let trainer: ChildProcessTrainer
    public let cpuFlags: Set<String>

    public init(session: PaperSession, trainer: ChildProcessTrainer, cpuFlags: Set<String>) {
        self.session = session
        self.trainer = trainer
        self.cpuFlags = cpuFlags
    }

    /// The plan's committed runs as candidates for re-training, in plan order.
    public func candidates(_ results: [String: (RunResult, Predictions)]) -> [VerifySelection.Candidate] {
        var firstCell: [String: String] = [:]
        for cell in session.plan.cells {
            for run in cell.runs where firstCell[run] == nil { firstCell[run] = "\(cell.dataset) Table \(cell.table)" }
        }
        return session.plan.configurations.compactMap { c in
            guard let (r, _) = results[c.runName] else { return nil }
            // A run of the exact product is bound to no kernel set: any AVX2 + FMA CPU re-makes it.
            let core = c.numerics == .exactFMA ? BLASCore.portable : r.blasCore
            let cores = KernelChoice.candidates(recorded: core, cpuFlags: cpuFlags, exhaustive: c.model.isBaseline)
            return VerifySelection.Candidate(
                run: c.runName, isBaseline: c.model.isBaseline, stratum: firstCell[c.runName] ?? c.data.dataset,
                recordedSeconds: r.wallSeconds, recordedCore: core, runnableHere: !cores.isEmpty)
        }
    }

    /// Runs everything; `log` gets one line per step and per failure.
    public func run(request: VerifySelection.Request, requestDescription: String, figures: Bool, scratch: URL,
                    rescore: () throws -> [Rescored], log: (String) -> Void) throws -> Report {
        let start = Date()
        let results = try session.loadFinished()
        let check = StoredRunsCheck(session: session)
        let (manifestFindings, manifestChecked) = try check.manifest()
        var findings = manifestFindings + (try check.metrics(results))
        let environment = PaperSession.reportEnvironment(threads: session.base.threads)
        let (renderFindings, rerendered) = try check.rerender(results, environment: environment,
                                                              scratch: scratch.appendingPathComponent("render"), figures: figures)
        findings += renderFindings
        log("verify: \(results.count) stored runs; manifest \(manifestChecked) files checked; \(rerendered) outputs rendered again; \(findings.count) problems")
        for f in findings { log("verify: MISMATCH \(f)") }
        let rescored = try rescore()
        for r in rescored { log("verify: published model \(r.model): \(r.identical ? "identical" : "MISMATCH " + r.detail)") }

        let candidates = candidates(results)
        let chosen = try VerifySelection.choose(candidates, request: request)
        var remade: [Remade] = []
        for (n, c) in chosen.enumerated() {
            let configuration = session.locations.runs.appendingPathComponent(c.run).appendingPathComponent("config.json")
            let cores = KernelChoice.candidates(recorded: c.recordedCore, cpuFlags: cpuFlags, exhaustive: c.isBaseline)
            var tried: [String] = [], last: RunComparison?, reproducing: String?
            let runStart = Date()
            for core in cores {
                tried.append(core)
                let dir = try trainer.train(run: c.run, configFile: configuration, core: core)
                let comparison = try RunComparison.compare(committed: session.locations.runs.appendingPathComponent(c.run), remade: dir)
                last = comparison
                if comparison.identical { reproducing = core; break }
            }
            guard let comparison = last else { continue }
            let outcome: Outcome = reproducing != nil ? .identical : (c.recordedCore == nil ? .unreproducedUnknownKernels : .differs)
            let r = Remade(run: c.run, committedCore: c.recordedCore ?? "not recorded", triedCores: tried, reproducingCore: reproducing,
                           comparison: comparison, outcome: outcome, seconds: Date().timeIntervalSince(runStart), committedSeconds: c.recordedSeconds)
            remade.append(r)
            let line = "verify: [\(n + 1)/\(chosen.count)] \(c.run) (\(r.committedCore)): "
                + (outcome == .identical ? "identical with the \(reproducing!) kernels" : "\(outcome == .differs ? "MISMATCH" : outcome.rawValue), \(comparison.summary)")
                + String(format: " (%.0f s)", r.seconds)
            log(line)
        }
        var bound: [String: [String]] = [:], boundSeconds: [String: Double] = [:]
        for c in candidates where !c.runnableHere {
            bound[c.recordedCore ?? "?", default: []].append(c.run)
            boundSeconds[c.recordedCore ?? "?", default: 0] += c.recordedSeconds
        }
        let chosenNames = Set(chosen.map(\.run))
        let left = candidates.filter { $0.runnableHere && !chosenNames.contains($0.run) }
        return Report(
            cpu: BLASCore.cpuinfoField("model name", in: BLASCore.cpuinfo) ?? "unknown",
            cpuFlags: NumericalEnvironment.selectingFlags.filter(cpuFlags.contains), request: requestDescription,
            storedRuns: results.count, manifestChecked: manifestChecked, rerendered: rerendered, findings: findings,
            rescored: rescored, remade: remade,
            bound: bound.keys.sorted().map { ($0, bound[$0]!, boundSeconds[$0]! / 3600) },
            notChosen: left.count, notChosenHours: left.map(\.recordedSeconds).reduce(0, +) / 3600,
            wallSeconds: Date().timeIntervalSince(start))
    }
}
