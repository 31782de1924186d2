import Baselines
import TensorCore
import Foundation

/// One `make paper`: the plan of a profile, its missing runs trained (finished ones loaded from
/// `paper/runs`), and the tables, report and manifest rendered from the runs. Everything the
/// outputs say comes from the stored runs, so a finished plan re-renders identical bytes.
public struct PaperSession {
    public struct Locations: Sendable {
        /// Repository root (data and model caches, prompt template, baseline settings).
        public var root: URL
        /// Committed small outputs of finished runs.
        public var runs: URL
        /// Checkpoints of the runs (large; not committed).
        public var checkpoints: URL
        /// Where tables/, REPORT.md and MANIFEST.sha256 are written.
        public var output: URL

        public init(root: URL, runs: URL, checkpoints: URL, output: URL) {
            self.root = root
            self.runs = runs
            self.checkpoints = checkpoints
            self.output = output
        }
    }

    public let profile: PaperProfile
    public let base: ExperimentConfiguration
    /// Starting configurations of the datasets that have their own (profile datasetOverrides).
    public let datasetBases: [String: ExperimentConfiguration]
    public let seeds: [UInt64]
    public let datasets: [String]
    public let tables: [PaperTable]
    public let plan: PaperPlan
    public internal(set) var locations: Locations

    /// The matrix product every table's runs are made with, when a whole edition of the plan is
    /// re-made under one (issue 31, point 5: `--numerics exact-fma`); nil: each table's own
    /// (`PaperTable.numerics`). Its configurations hash differently, so both editions share one
    /// run store; their outputs go to separate folders (PaperPlanOptions).
    public let numericsOverride: MatrixProduct?

    /// For an edition: the plan under each table's own product; for a profile that extends
    /// another: the parent's plan. Its finished runs time the missing ones (`timingCost`).
    let referencePlan: PaperPlan?

    public init(profile: PaperProfile, seedCount: Int? = nil, extraOverrides: [String] = [], numerics: MatrixProduct? = nil,
                locations: Locations) throws {
        numericsOverride = numerics
        self.profile = profile
        base = try profile.base(extra: extraOverrides)
        seeds = profile.seeds(count: seedCount)
        datasets = profile.datasets(root: locations.root)
        let product = numerics ?? profile.numerics
        tables = PaperTables.tables(profile.tables, shots: profile.shots).map { table in
            var t = table
            if let product { t.numerics = product }
            return t
        }
        let datasets = datasets
        // The starting configurations of the datasets that have their own, under `p`.
        func datasetBases(_ p: PaperProfile) throws -> [String: ExperimentConfiguration] {
            var bases: [String: ExperimentConfiguration] = [:]
            for d in datasets where p.datasetOverrides[d] != nil { bases[d] = try p.base(dataset: d, extra: extraOverrides) }
            return bases
        }
        let bases = try datasetBases(profile)
        self.datasetBases = bases
        plan = PaperPlan(tables: tables, datasets: datasets, seeds: seeds, base: base, datasetBases: bases)
        if let parentName = profile.extends {
            // The parent's plan as the parent makes it: its finished runs time this one's.
            let parent = try PaperProfile.load(parentName, root: locations.root)
            referencePlan = PaperPlan(tables: PaperTables.tables(parent.tables, shots: parent.shots), datasets: datasets, seeds: seeds,
                                      base: try parent.base(extra: extraOverrides), datasetBases: try datasetBases(parent))
        } else {
            referencePlan = product == nil ? nil
                : PaperPlan(tables: PaperTables.tables(profile.tables, shots: profile.shots), datasets: datasets, seeds: seeds, base: base, datasetBases: bases)
        }
        self.locations = locations
    }

    /// paper/configs/baselines/<model>.json
    static func baselineSettingsFile(_ kind: ModelKind, root: URL) -> URL {
        root.appendingPathComponent("paper/configs/baselines/\(kind.rawValue).json")
    }

    var store: RunStore { Self.runStore(root: locations.root, runs: locations.runs) }

    /// The run store at `runs`, expecting the baseline settings that `root` holds now.
    public static func runStore(root: URL, runs: URL) -> RunStore {
        // Each settings file read once per store, not once per run loaded. An unreadable file
        // gives no expectation here; the trainer reports it.
        var identities: [ModelKind: String] = [:]
        for kind in ModelKind.allCases where kind.isBaseline {
            identities[kind] = (try? BaselineSettings.load(baselineSettingsFile(kind, root: root)))?.identity
        }
        let expected = identities
        return RunStore(root: runs) { expected[$0.model] }
    }

    /// The plan as lines: one per run with its state, then where the time goes and the total.
    public func describePlan() throws -> [String] {
        var lines = ["paper profile \(profile.name): \(profile.purpose)",
                     "datasets \(datasets.joined(separator: ", ")); seeds \(seeds.map(String.init).joined(separator: ", "))"
                        + (profile.shots.count == 2 ? "; K = \(profile.shots[0]) and \(profile.shots[1])" : "")]
        let finished = try loadFinished().mapValues(\.0)
        for c in plan.configurations {
            lines.append(String(format: "  %@ %@  %@ %@ %@ seed %llu", finished[c.runName] != nil ? "done" : "todo", c.runName,
                                c.model.rawValue, c.data.dataset, c.isSequential ? "sequential" : "K=\(c.data.shots)", c.seed))
        }
        let groups = timeByCell(finished: finished)
        lines.append("where the time goes (finished: measured wall time; to do: estimated):")
        lines += groups.map { "  " + $0.line }
        let done = groups.map(\.doneSeconds).reduce(0, +), missing = groups.map(\.todoSeconds).reduce(0, +)
        lines.append("compute so far: \(ProgressLine.duration(done)) in \(finished.count) runs")
        // The plan's critical path: runs are independent, so with one slot per run (a cluster,
        // docs/cluster.md) the whole plan takes as long as its longest run.
        if let longest = plan.configurations.compactMap({ c in finished[c.runName].map { (c.runName, $0.wallSeconds) } })
            .max(by: { ($0.1, $1.0) < ($1.1, $0.0) }) {
            lines.append("critical path: the longest finished run, \(longest.0), took \(ProgressLine.duration(longest.1)): the plan's wall time with one node per run")
        }
        lines.append("estimated time of the runs to do: \(ProgressLine.duration(missing)) (from finished runs that differ only in the seed where there are any, else PaperSession.estimateSeconds scaled by the most similar finished runs)")
        return lines
    }

    /// Compute per table cell, in plan order: finished runs by measured wall time, missing ones
    /// by `expectedSeconds`. Each run is counted under the first cell that uses it (Table II's
    /// ATFLRec row is also Table III's (a) and the default row of Tables IV and V).
    public struct CellTime: Sendable {
        public var label: String
        public var done = 0, todo = 0
        public var doneSeconds = 0.0, todoSeconds = 0.0

        public var line: String {
            "\(label): \(done) done in \(ProgressLine.duration(doneSeconds))"
                + (todo > 0 ? ", \(todo) to do, about \(ProgressLine.duration(todoSeconds))" : "")
        }
    }

    public func timeByCell(finished: [String: RunResult]) -> [CellTime] {
        let measured = timingCost(finished: finished)
        var firstCell: [String: String] = [:]
        for cell in plan.cells {
            for run in cell.runs where firstCell[run] == nil {
                firstCell[run] = "\(cell.dataset) Table \(cell.table) \(cell.row), \(cell.column)"
            }
        }
        var groups: [CellTime] = []  // in plan order (never a Dictionary's order)
        for c in plan.configurations {
            let label = firstCell[c.runName] ?? "\(c.data.dataset) \(c.model.rawValue) K=\(c.data.shots)"
            if !groups.contains(where: { $0.label == label }) { groups.append(CellTime(label: label)) }
            let g = groups.firstIndex { $0.label == label }!
            if let result = finished[c.runName] {
                groups[g].done += 1
                groups[g].doneSeconds += result.wallSeconds
            } else {
                groups[g].todo += 1
                groups[g].todoSeconds += Self.expectedSeconds(c, measured: measured)
            }
        }
        return groups
    }

    /// What the finished runs say about the cost of the missing ones: wall times by
    /// configuration without the seed, and the ratio of measured to estimated time over the
    /// finished ATFLRec runs most like a missing one (same dataset, layout and K; else same
    /// dataset), i.e. how far `estimateSeconds` is off on this machine for such runs.
    struct MeasuredCost {
        var bySeedless: [String: [Double]] = [:]
        var ratios: [String: (measured: Double, estimated: Double)] = [:]

        /// Most similar first. An mllm-msr run is timed by the finished mllm-msr runs only; a
        /// sequential ATFLRec run by the sequential ATFLRec runs of its layout, then of any.
        static func similarKeys(_ c: ExperimentConfiguration) -> [String] {
            if c.model == .mllmMSR { return ["\(c.data.dataset)|mllm-msr"] }
            if c.isSequential { return ["\(c.data.dataset)|sequential|\(c.lora.layout.rawValue)", "\(c.data.dataset)|sequential"] }
            return ["\(c.data.dataset)|\(c.lora.layout.rawValue)|\(c.data.shots)", c.data.dataset]
        }

        /// The models whose estimate is scaled by the finished runs most like them.
        static func isScaled(_ c: ExperimentConfiguration) -> Bool { c.model == .atflrec || c.model == .mllmMSR }
    }

    /// What the finished runs say about the missing ones: the plan's own, and for an edition
    /// also those of the reference plan (the same configurations under another product).
    func timingCost(finished: [String: RunResult]) -> MeasuredCost {
        var cost = Self.measuredSeconds(plan: plan, finished: finished)
        guard let referencePlan else { return cost }
        var others: [String: RunResult] = [:]
        for c in referencePlan.configurations {
            if let r = try? store.load(c) { others[c.runName] = r.0 }
        }
        let reference = Self.measuredSeconds(plan: referencePlan, finished: others)
        for (key, times) in reference.bySeedless where cost.bySeedless[key] == nil { cost.bySeedless[key] = times }
        for (key, ratio) in reference.ratios where cost.ratios[key] == nil { cost.ratios[key] = ratio }
        return cost
    }

    static func measuredSeconds(plan: PaperPlan, finished: [String: RunResult]) -> MeasuredCost {
        var cost = MeasuredCost()
        for c in plan.configurations {
            guard let r = finished[c.runName] else { continue }
            cost.bySeedless[seedless(c), default: []].append(r.wallSeconds)
            guard MeasuredCost.isScaled(c) else { continue }
            for key in MeasuredCost.similarKeys(c) {
                let s = cost.ratios[key] ?? (0, 0)
                cost.ratios[key] = (s.measured + r.wallSeconds, s.estimated + estimateSeconds(c))
            }
        }
        return cost
    }

    /// The configuration up to its seed and its matrix product: runs that differ only there
    /// take the same time (the exact product costs 1.02x OpenBLAS's on a run; DETERMINISM.md),
    /// so an edition under another product is estimated from the runs already made.
    static func seedless(_ c: ExperimentConfiguration) -> String {
        var k = c
        k.seed = 0
        k.numerics = .openBLAS
        return k.hash()
    }

    /// Seconds a missing run should take: the mean of the finished runs that differ from it only
    /// in the seed; else `estimateSeconds` scaled by the measured/estimated ratio of the most
    /// similar finished ATFLRec runs; else `estimateSeconds` alone.
    static func expectedSeconds(_ c: ExperimentConfiguration, measured: MeasuredCost) -> Double {
        if let times = measured.bySeedless[seedless(c)], !times.isEmpty { return times.reduce(0, +) / Double(times.count) }
        guard MeasuredCost.isScaled(c) else { return estimateSeconds(c) }
        for key in MeasuredCost.similarKeys(c) {
            if let r = measured.ratios[key], r.estimated > 0 { return estimateSeconds(c) * r.measured / r.estimated }
        }
        return estimateSeconds(c)
    }

    /// Rough seconds per run, for the plan's estimate before anything has run: baselines train
    /// in seconds; an ATFLRec run costs about one forward and backward per training sample and
    /// epoch and a third of that per validation and test sample. Measured on ml100k with
    /// MiniLM-L6, 2 BLAS threads, 10-item histories, 80 bins: about 0.24 s per training sample
    /// with the audio branch (layout b: one epoch of K=500 with 200 validation samples took
    /// 133 s on 2026-12-02, after the row kernels went parallel; 49 s for K=100 before) and
    /// about 0.08 s text only (layout c); early stopping ends most runs by epoch 15.
    public static func estimateSeconds(_ c: ExperimentConfiguration) -> Double {
        if c.isSequential { return sequentialEstimateSeconds(c) }
        guard c.model == .atflrec else { return 30 }
        let perSample = perSampleSeconds(c)
        let epochs = Double(min(c.training.epochs, 15))
        let validation = Double(c.training.validationSamples > 0 ? c.training.validationSamples : 1000)
        return epochs * (Double(c.data.shots) * perSample + validation * perSample / 3) + 1000 * perSample / 3
    }

    /// Seconds of one ATFLRec training sample (forward and backward); evaluation costs a third.
    static func perSampleSeconds(_ c: ExperimentConfiguration) -> Double {
        // With the audio branch a sample costs 3x a text-only one at every frame, 80 bins; of
        // that, 26% does not depend on the frames (the text encoder) and 74% scales with the
        // audio MLP's 256 (M + C) per frame (C = 384 for MiniLM) over the kept frames: Study S1's
        // seed-2 epochs, 142 s at stride 1 and 50 s at stride 8 (a + b = 142, a + b / 8 = 50).
        let frames = Double(c.audio.numMelBins + 384) / 464 / Double(c.audio.frameStride)
        let audioFactor = c.lora.layout == .c ? 1.0 : 3.0 * (0.26 + 0.74 * frames)
        return 0.08 * audioFactor * Double(min(c.text.maxLength, 512)) / 512 * Double(max(c.data.historyLength, 1)) / 10
    }

    /// Rough seconds of a run in the sequential protocol (issue 28, point 5), from
    /// `atflrec-bench mllm-msr-step` on ml100k with MiniLM-L6 (2026-12-07, measured beside a
    /// running plan, so upper bounds): one training step of 8 cases x 2 candidates took 3.6, 3.4,
    /// 4.8 and 7.2 s with blocks of 2, 5, 10 and 20 items, one user's 20 candidates 0.44, 0.31,
    /// 0.29 and 0.45 s. ATFLRec pays its few-shot cost per sample (estimateSeconds), each user's
    /// candidates being 20 samples; the ID baselines train in a minute. 938 users are kept.
    public static func sequentialEstimateSeconds(_ c: ExperimentConfiguration) -> Double {
        let q = c.sequence, users = 938.0
        let cases = q.trainPositionsPerUser == 0 ? 52_547 : users * Double(q.trainPositionsPerUser)
        let validation = c.training.validationSamples > 0 ? min(Double(c.training.validationSamples), users) : users
        let epochs = Double(min(c.training.epochs, 15))
        switch c.model {
        case .mllmMSR:
            let measured: [(block: Int, step: Double, user: Double)] = [(2, 3.6, 0.44), (5, 3.4, 0.31), (10, 4.8, 0.29), (20, 7.2, 0.45)]
            let m = measured.min { abs($0.block - q.blockSize) < abs($1.block - q.blockSize) }!
            let step = m.step * Double(q.trainNegatives + 1) / 2
            // The bench ran beside a plan: the first profile run on an otherwise idle machine
            // (blocks of 5, 4 epochs, 2026-12-07) took 701 s against 2,133 s by these costs.
            let idle = 701.0 / 2133
            return idle * (epochs * (cases / 8 * step + validation * m.user) + users * m.user)
        case .atflrec:
            let perSample = perSampleSeconds(c)
            let candidates = Double(q.negatives + 1)
            return epochs * (cases * Double(q.trainNegatives + 1) + validation * candidates / 3) * perSample + users * candidates * perSample / 3
        default:
            return 60
        }
    }

    /// Items whose FBank features a paper run's intermediates.h5 carries: enough for
    /// load_checkpoint.py to check the audio path in another language, without copying the
    /// dataset's feature cache (about 0.6 GB per ml100k run) into each of ~100 run folders.
    public static let intermediatesFBankItems = 32

    func trainer(_ kind: ModelKind) -> ModelTrainer? { Self.trainer(kind, root: locations.root) }

    /// The trainer of a paper run of `kind` (nil when a baseline's settings file is unreadable).
    public static func trainer(_ kind: ModelKind, root: URL) -> ModelTrainer? {
        switch kind {
        case .atflrec:
            return ATFLRecModelTrainer(root: root, intermediatesFBankItems: intermediatesFBankItems)
        case .mllmMSR:
            return SequentialModelTrainer(root: root)
        default:
            guard let settings = try? BaselineSettings.load(baselineSettingsFile(kind, root: root)) else { return nil }
            return BaselineModelTrainer(settings: settings) { try DatasetSplits.load($0, root: root) }
        }
    }

    /// Which runs of the plan one sitting trains (nil fields: all). The runs left out are only
    /// loaded when finished, so a long plan can be worked through in parts.
    public struct Sitting: Sendable, Equatable {
        public var models: Set<ModelKind>?
        public var datasets: Set<String>?
        public var shots: Set<Int>?
        /// Only the runs of these names (as `--plan-only` prints them), e.g. to train one
        /// table's cells before another's.
        public var runNames: Set<String>?
        /// Train at most this many of the selected runs that are missing, in plan order.
        public var maxRuns: Int?

        public init(models: Set<ModelKind>? = nil, datasets: Set<String>? = nil, shots: Set<Int>? = nil,
                    runNames: Set<String>? = nil, maxRuns: Int? = nil) {
            self.models = models
            self.datasets = datasets
            self.shots = shots
            self.runNames = runNames
            self.maxRuns = maxRuns
        }

        public var isWholePlan: Bool { models == nil && datasets == nil && shots == nil && runNames == nil && maxRuns == nil }

        /// The part of `plan` this sitting trains: the runs it includes, of which at most
        /// `maxRuns` unfinished ones (the first in plan order); finished ones are kept to be loaded.
        /// A run name that is not in the plan is an error (a typo would otherwise train nothing).
        public func select(from plan: PaperPlan, isFinished: (ExperimentConfiguration) throws -> Bool) throws -> PaperPlan {
            if let runNames {
                let known = Set(plan.configurations.map(\.runName))
                if let unknown = runNames.sorted().first(where: { !known.contains($0) }) {
                    throw ConfigurationError("--only-runs: '\(unknown)' is not a run of this plan (`atflrec paper run --plan-only` lists them)")
                }
            }
            let selected = PaperPlan(filtering: plan, includes)
            guard let maxRuns else { return selected }
            var kept: Set<String> = [], todo = 0  // membership only; order comes from the plan
            for c in selected.configurations {
                if try isFinished(c) { kept.insert(c.runName) } else if todo < maxRuns { kept.insert(c.runName); todo += 1 }
            }
            return PaperPlan(filtering: selected) { kept.contains($0.runName) }
        }

        public func includes(_ c: ExperimentConfiguration) -> Bool {
            (models?.contains(c.model) ?? true) && (datasets?.contains(c.data.dataset) ?? true)
                && (shots?.contains(c.data.shots) ?? true) && (runNames?.contains(c.runName) ?? true)
        }
    }

    /// Trains what is missing (all of it unless `sitting` restricts it) and returns every stored run.
    public func run(sitting: Sitting = Sitting(), log: @escaping (String) -> Void) throws -> [String: (RunResult, Predictions)] {
        let measured = timingCost(finished: try loadFinished().mapValues(\.0))
        let runner = PaperRunner(store: store, checkpointsRoot: locations.checkpoints, trainer: trainer,
                                 estimateSeconds: { Self.expectedSeconds($0, measured: measured) })
        if sitting.isWholePlan { return try runner.execute(plan, log: log) }
        _ = try runner.execute(try sitting.select(from: plan) { try store.load($0) != nil }, log: log)
        return try loadFinished()
    }

    /// The finished runs of the plan, by run name.
    public func loadFinished() throws -> [String: (RunResult, Predictions)] {
        var out: [String: (RunResult, Predictions)] = [:]
        for c in plan.configurations {
            if let r = try store.load(c) { out[c.runName] = r }
        }
        return out
    }

    /// Renders the tables, REPORT.md and MANIFEST.sha256 from `results`; returns the files written.
    public func render(results: [String: (RunResult, Predictions)], environment: [(String, String)]) throws -> [URL] {
        // Every sequential run of a plan shares `sequence.negatives` and `rankingK` (the profile's).
        let q = base.sequence
        func test(_ metric: TableMetric, _ a: [Predictions], _ b: [Predictions]) throws -> Double {
            metric == .ranking ? try TableSignificance.pairedRanking(a, b, negatives: q.negatives, k: q.rankingK)
                : try TableSignificance.deLong(a, b)
        }
        let significance: PaperAssembly.Significance = { metric, a, b in (try? test(metric, a, b)) ?? .nan }
        let rendered = PaperAssembly.tables(plan: plan, tables: tables, results: results, significance: significance)
        let verdicts = PaperAssembly.verdicts(rendered) { table, column, row, reference in
            func predictions(_ r: String) -> [Predictions]? {
                guard let cell = plan.cells.first(where: { $0.table == table.id && $0.dataset == table.dataset && $0.row == r && $0.column == column })
                else { return nil }
                let p = cell.runs.compactMap { results[$0]?.1 }
                return p.count == cell.runs.count ? p : nil
            }
            guard let a = predictions(row), let b = predictions(reference) else { return nil }
            return try? test(tables.first { $0.id == table.id }?.metric ?? .auc, a, b)
        }
        let writer = PaperWriter(root: locations.output)
        var files = try writer.writeTables(rendered, plan: plan)
        let finished = plan.configurations.filter { results[$0.runName] != nil }
        let seconds = finished.map { results[$0.runName]!.0.wallSeconds }.reduce(0, +)
        // Table I is the few-shot protocol's instruction template (TALLRec's too); a sequential profile has none.
        let tableOne = profile.tables != .sequential ? try TableOne.load(base: base, bases: datasetBases, datasets: datasets, root: locations.root) : nil
        if let tableOne { files += try writer.writeTableOne(tableOne) }
        var context = ReportContext(
            profile: profile.name, backbone: backboneDescription, surrogateNotes: try surrogateNotes(),
            environment: environment + [
                ("runs finished", "\(finished.count) of \(plan.configurations.count)"),
                ("checkpoint hashes recorded (MANIFEST.sha256)",
                 "\(finished.filter { results[$0.runName]!.0.checkpointSHA256 != nil }.count) of \(finished.count) finished runs"),
                ("model tensors hashes recorded (result.json modelTensorsSHA256)",
                 "\(finished.filter { results[$0.runName]!.0.modelTensorsSHA256 != nil }.count) of \(finished.count) finished runs"),
                ("OpenBLAS kernels of the finished runs (result.json blasCore)",
                 Self.kernelCounts(finished.map { results[$0.runName]!.0.blasCore })),
                ("kernel policy of the finished runs (result.json numerics.kernels; portable: the same bytes on every AVX2 + FMA CPU)",
                 Self.kernelCounts(finished.map { results[$0.runName]!.0.numerics?.kernels.rawValue })),
            ],
            tableOne: tableOne?.markdown() ?? "", seeds: seeds, totalComputeSeconds: seconds,
            timeByCell: timeByCell(finished: results.mapValues(\.0)).map(\.line))
        context.edition = numericsOverride?.rawValue
        switch profile.tables {
        case .sequential:
            context.protocolSection = ("The sequential protocol and the deviations from MLLM-MSR", sequentialNotes())
            context.claimsSource = "MLLM-MSR (seeds/mllm-msr-summary.txt)"
        case .tallrec:
            context.protocolSection = ("TALLRec's protocol and what differs from TALLRec", tallrecNotes())
            context.claimsSource = "TALLRec (Bao et al., RecSys 2023) and ATFLRec"
        case .paper:
            break
        }
        files.append(try writer.writeReport(writer.report(rendered, verdicts: verdicts, context: context)))
        // The manifest covers the outputs, every committed run file, and each run's best
        // checkpoint by the hash the run recorded (not hashed here: checkpoints are not
        // committed, and the manifest must not depend on which machine renders it).
        var manifestFiles = files
        var checkpoints: [(sha256: String, file: URL)] = []
        for c in finished {
            let dir = locations.runs.appendingPathComponent(c.runName)
            manifestFiles += ["config.json", "result.json", "predictions.csv"].map { dir.appendingPathComponent($0) }
            if let sha = results[c.runName]!.0.checkpointSHA256 {
                checkpoints.append((sha, RunDirectory(root: locations.checkpoints, configuration: c).bestCheckpoint))
            }
        }
        files.append(try writer.writeManifest(manifestFiles, recorded: checkpoints))
        return files
    }

    /// "Cooperlake 5, not recorded 85": runs per OpenBLAS kernel family (or kernel policy), most
    /// first, then by name.
    static func kernelCounts(_ cores: [String?]) -> String {
        guard !cores.isEmpty else { return "no runs" }
        var counts: [String: Int] = [:]
        for c in cores { counts[c ?? "not recorded", default: 0] += 1 }
        return counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    var backboneDescription: String {
        base.text.modelPath.isEmpty
            ? "MiniLM-L6 (sentence-transformers/all-MiniLM-L6-v2, BERT architecture; the paper uses RoBERTa, whose weights are not available offline)"
            : "the encoder in \(base.text.modelPath) (user-supplied)"
    }

    func surrogateNotes() throws -> [String] {
        var notes: [String] = []
        for dataset in datasets {
            var c = datasetBases[dataset] ?? base
            c.data.dataset = dataset
            let d = try DatasetSplits.dataset(c, root: locations.root)
            notes.append("\(d.name): audio \(d.audioIsSurrogate ? "SURROGATE" : "real") (\(d.audioDescription))")
        }
        switch profile.tables {
        case .paper:
            notes.append("Only two values of the paper survive in our copy (ATFLRec 0.6042 at K=100 and 0.6708 at K=500); every other paper cell is marked as not in our copy.")
        case .sequential:
            notes.append("The item summaries are measured from the surrogate soundtracks (AudioDescriptors): they can recover only what the surrogate encodes (genre voice, release-year tempo; docs/audio.md).")
        case .tallrec:
            notes.append("The TALLRec column holds TALLRec's printed AUCs (its Table 1, MovieLens-100K): its method on LLaMA-7B and its GRU and SASRec baselines; they are TALLRec's numbers, not re-runs. The audio rows (a) and (b) hear the surrogate soundtracks.")
        }
        return notes
    }

    /// The TALLRec profile's protocol, and what differs from TALLRec (issue 27, point 3).
    func tallrecNotes() -> [String] {
        let d = base.data
        return [
            "Samples: TALLRec's MovieLens-100K protocol, which is also the paper's (RecData): label = rating > 3; the history is the previous \(d.historyLength) rated items in time order, liked and disliked titles listed apart in the instruction prompt (Table I); the last 10,000 samples in time, split 8:1:1 in time order; the K training samples drawn by a seeded shuffle of the training split, the same K for every model of a seed.",
            "Models: TALLRec's method is LoRA on an instruction-tuned LLM reading the text prompt; on our backbone that is layout (c), MiniLM-L6 (22M parameters) with LoRA and a classifier trained with BCE, instead of LLaMA-7B scoring P(Yes) from its answer tokens. ATFLRec (a) and (b) add the audio branch; the five ID baselines (GRU4Rec, SASRec, LightGCN, GraphSAGE, MF) are trained on the same K samples with TALLRec's baseline protocol (score = sigmoid of the model's output for the target).",
            "TALLRec's own numbers (its column) are LLaMA-7B's and its baselines' as printed; its GRU is our GRU4Rec row. LightGCN, GraphSAGE and MF are not in its table. The backbones differ by two orders of magnitude in size, so its column is a reference ranking, not a value to match.",
            "Compute: every 8th audio frame for the audio rows (Study S1: no loss of AUC at stride 8), the exact product; seeds as the profile's.",
        ]
    }

    /// The sequential profile's protocol, from its configuration, and every deviation from
    /// MLLM-MSR (seeds/mllm-msr-summary.txt) with its reason.
    func sequentialNotes() -> [String] {
        let q = base.sequence, t = base.training
        return [
            "Samples (RecData/SequentialSamples): each ml100k user's positives (ratings > 3) in time order; users with at least \(q.minimumLength) positives are kept (938 of 943); the last positive is the test target, the second-last the validation target, with the earlier positives (at most \(q.maxHistory)) as the history.",
            "Candidates: each held-out positive among \(q.negatives) items the user never rated, drawn by candidate seed 0, the same for every model and seed; HR@\(q.rankingK) and NDCG@\(q.rankingK) over the test users, AUC as each user's positive against its own candidates averaged over users (chance: HR@5 0.25, NDCG@5 0.147, AUC 0.5).",
            "Training: \(q.trainPositionsPerUser == 0 ? "every earlier position" : "\(q.trainPositionsPerUser) earlier position(s) per user, drawn by the run's seed (the compute budget, issue 28 point 5)"), each with \(q.trainNegatives) unrated negative(s) drawn once by the run's seed: every model trains on the same samples; \(t.epochs) epochs at most, early stopping on \(t.validationSamples == 0 ? "every" : "\(t.validationSamples)") validation user(s)' candidate AUC.",
            "ATFLRec (a)/(b) score each candidate as a few-shot sample: the prompt and audio sequence read the last \(base.data.historyLength) positives of the history (its paper setting; 20 would double its audio cost); GRU4Rec and SASRec read the whole history.",
            "Deviation: MLLM-MSR's item summaries are captions written by a multimodal LLM from images; ours are measured audio descriptors (loudness, brightness, pitch, tempo) rendered as words, since no generative multimodal model is available offline.",
            "Deviation: MLLM-MSR carries the user preference forward as generated text; ours is a vector fed to the next block as a soft token through a learned projection (RecurrentPreferenceNetwork), since our encoder does not generate; gradients flow through \(q.gradientBlocks == 0 ? "every block" : "the last \(q.gradientBlocks) block(s)").",
            "Deviation: MLLM-MSR's recommender answers yes/no with a fine-tuned LLM; ours is the encoder with LoRA and a classifier trained with BCE on the candidate's logit (MiniLM-L6 instead of LLaVA-class models).",
            "Deviation: the ablations (R2) are run at seed 0 only (issue 28's budget of about 8 hours); their paired tests are over the 938 test users.",
        ]
    }
}

extension PaperPlan {
    /// The runs of `plan` whose configuration satisfies `keep` (cells keep only those runs).
    init(filtering plan: PaperPlan, _ keep: (ExperimentConfiguration) -> Bool) {
        let kept = plan.configurations.filter(keep)
        let names = Set(kept.map(\.runName))
        self.init(cells: plan.cells.map { Cell(table: $0.table, row: $0.row, column: $0.column, dataset: $0.dataset,
                                                runs: $0.runs.filter { names.contains($0) }) },
                  configurations: kept)
    }
}
