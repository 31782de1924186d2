import Foundation
import SeededRandom

/// Which committed runs `atflrec paper verify` re-trains (issue 25): every baseline run first
/// (seconds each), then ATFLRec runs drawn through the `verify-draw` stream of `--sample-seed`,
/// as many as the budget allows by their recorded wall times. The draw goes round the strata
/// (dataset x the table of the run's first cell) in a drawn order, a drawn run from each in
/// turn, so that a few runs already span tables and datasets, and over seeds every run is drawn.
/// `--runs` and `--all` choose explicitly. Runs whose kernels this CPU cannot run are never
/// chosen; they are reported as bound to their CPU family.
public struct VerifySelection: Sendable {
    public struct Candidate: Sendable, Equatable {
        public var run: String
        public var isBaseline: Bool
        /// "ml100k Table III": the run's first cell's dataset and table.
        public var stratum: String
        public var recordedSeconds: Double
        /// The kernels the run recorded (nil: not recorded).
        public var recordedCore: String?
        /// Whether this CPU can run some kernel set that may reproduce the run.
        public var runnableHere: Bool

        public init(run: String, isBaseline: Bool, stratum: String, recordedSeconds: Double, recordedCore: String?, runnableHere: Bool) {
            self.run = run
            self.isBaseline = isBaseline
            self.stratum = stratum
            self.recordedSeconds = recordedSeconds
            self.recordedCore = recordedCore
            self.runnableHere = runnableHere
        }
    }

    public enum Request: Sendable, Equatable {
        case budget(seconds: Double, sampleSeed: UInt64)
        case runs([String])
        case all
        /// Re-train nothing (checks of the stored files only).
        case none
    }

    /// The runs to re-train, in order, from `candidates` in plan order.
    public static func choose(_ candidates: [Candidate], request: Request) throws -> [Candidate] {
        let runnable = candidates.filter(\.runnableHere)
        switch request {
        case .none:
            return []
        case .all:
            return runnable
        case .runs(let names):
            return try names.map { name in
                guard let c = candidates.first(where: { $0.run == name }) else {
                    throw ConfigurationError("--runs: no run '\(name)' in the plan's run store")
                }
                guard c.runnableHere else {
                    throw ConfigurationError("--runs: \(name) was made with the \(c.recordedCore ?? "?") kernels, which this CPU cannot run")
                }
                return c
            }
        case .budget(let budget, let seed):
            var chosen = runnable.filter(\.isBaseline)
            var spent = chosen.map(\.recordedSeconds).reduce(0, +)
            var random = RandomStream(seed: seed, purpose: "verify-draw")
            var strata: [String] = []  // first-appearance order, then drawn
            var members: [String: [Candidate]] = [:]
            for c in runnable where !c.isBaseline {
                if members[c.stratum] == nil { strata.append(c.stratum) }
                members[c.stratum, default: []].append(c)
            }
            random.shuffle(&strata)
            var progressed = true
            while progressed {
                progressed = false
                for s in strata where !(members[s]?.isEmpty ?? true) {
                    let i = random.int(below: members[s]!.count)
                    let c = members[s]!.remove(at: i)
                    progressed = true
                    guard spent + c.recordedSeconds <= budget else { continue }
                    chosen.append(c)
                    spent += c.recordedSeconds
                }
            }
            return chosen
        }
    }
}
