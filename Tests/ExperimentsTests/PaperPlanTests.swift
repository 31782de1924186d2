import Foundation
import RecData
import Testing
import TestSupport
import TensorCore
@testable import Experiments

@Suite("Paper plan")
struct PaperPlanTests {
    @Test func planCoversEveryCellAndDeduplicatesSharedRuns() {
        let plan = PaperPlan(tables: PaperTables.paper(), datasets: ["ml100k"], seeds: [0, 1, 2], base: ExperimentConfiguration())
        // Cells: II 5x2, III 3x2, IV 6x1, V 4x1 = 26.
        #expect(plan.cells.count == 26)
        // Distinct configurations per seed: II 10; III adds (b),(c) x 2 K = 4 ((a) is II's ATFLRec);
        // IV: stacking max = fusion max = the K=500 default, so 4 new; V: 80 bins is the default, 3 new.
        #expect(plan.configurations.count == 3 * (10 + 4 + 4 + 3))
        let names = plan.configurations.map(\.runName)
        #expect(Set(names).count == names.count)
        // The ATFLRec K=500 default run fills cells of all four tables.
        let defaultRun = plan.cells.first { $0.table == "II" && $0.row == "ATFLRec" && $0.column == "K=500" }!.runs[0]
        let tablesUsingIt = Set(plan.cells.filter { $0.runs.contains(defaultRun) }.map(\.table))
        #expect(tablesUsingIt == ["II", "III", "IV", "V"])
    }

    /// Study S1 (issue 29, point 3): four strides on ml100k only, under the exact product; its
    /// stride-1 row is the paper's ATFLRec (a) K=500 default re-made under that product, and the
    /// other rows differ from it in audio.frameStride alone.
    @Test func theFrameStrideStudyIsOneDatasetsLayoutARunsUnderTheExactProduct() {
        let all = PaperPlan(tables: PaperTables.all(), datasets: ["ml100k", "synthlens"], seeds: [0, 1, 2], base: ExperimentConfiguration())
        let paper = PaperPlan(tables: PaperTables.paper(), datasets: ["ml100k", "synthlens"], seeds: [0, 1, 2], base: ExperimentConfiguration())
        let study = all.cells.filter { $0.table == "S1" }
        #expect(study.map(\.dataset) == ["ml100k", "ml100k", "ml100k", "ml100k"])
        #expect(study.map(\.column) == ["K=500", "K=500", "K=500", "K=500"])
        #expect(all.configurations.count == paper.configurations.count + 12)
        let byName = Dictionary(uniqueKeysWithValues: all.configurations.map { ($0.runName, $0) })
        let strides = study.map { cell in Set(cell.runs.map { byName[$0]!.audio.frameStride }) }
        #expect(strides == [[1], [2], [4], [8]])
        var reference = paper.configurations.first { $0.data.dataset == "ml100k" && $0.model == .atflrec && $0.lora.layout == .a
            && $0.data.shots == 500 && $0.seed == 0 && $0.fusion.pooling == .max && $0.audio.stackingPooling == .max && $0.audio.numMelBins == 80 }!
        #expect(reference.numerics == .openBLAS)
        reference.numerics = .exactFMA
        #expect(study[0].runs[0] == reference.runName)
        for (cell, stride) in zip(study, [1, 2, 4, 8]) {
            var expected = reference
            expected.audio.frameStride = stride
            #expect(cell.runs[0] == expected.runName, "\(cell.row)")
            #expect(cell.runs.allSatisfy { byName[$0]!.numerics == .exactFMA })
        }
    }

    @Test func paperValuesAreOnlyTheTwoThatSurvive() {
        let known = PaperTables.all().flatMap { t in t.paperValues.map { "\(t.id):\($0.key)=\($0.value)" } }.sorted()
        #expect(known == ["II:ATFLRec|K=100=0.6042", "II:ATFLRec|K=500=0.6708"])
    }

    /// The full profile gives synthlens its own preset without touching ml100k's run hashes.
    @Test func datasetOverridesChangeOnlyTheirDatasetsRuns() throws {
        let dir = try Fixtures.temporaryDirectory()
        let file = dir.appendingPathComponent("profile.json")
        try Data(#"{"name": "t", "seeds": [0], "shots": [100, 500], "datasets": ["ml100k", "synthlens"], "overrides": ["data.preset=paper"], "datasetOverrides": {"synthlens": ["data.preset=paper-appeal"]}}"#.utf8).write(to: file)
        let profile = try PaperProfile.load(file)
        let plain = PaperPlan(tables: PaperTables.all(), datasets: ["ml100k", "synthlens"], seeds: [0], base: try profile.base())
        let plan = PaperPlan(tables: PaperTables.all(), datasets: ["ml100k", "synthlens"], seeds: [0], base: try profile.base(),
                             datasetBases: ["synthlens": try profile.base(dataset: "synthlens")])
        let ml = { (p: PaperPlan) in p.configurations.filter { $0.data.dataset == "ml100k" }.map(\.runName) }
        #expect(ml(plan) == ml(plain) && !ml(plan).isEmpty)
        let synth = plan.configurations.filter { $0.data.dataset == "synthlens" }
        #expect(!synth.isEmpty && synth.allSatisfy { $0.data.preset == "paper-appeal" })
        // The preset is the paper-sized world with appeal 2 and nothing else changed.
        var expected = SynthLensOptions.paper
        expected.appeal = 2
        #expect(try SynthLensOptions.preset("paper-appeal") == expected)
    }

    /// A missing run is expected to cost what its finished seeds cost; failing that, the rough
    /// model scaled by how far it was off for the most similar finished runs (same dataset,
    /// layout and K); failing that, the rough model itself.
    @Test func missingRunsAreEstimatedFromTheFinishedRunsMostLikeThem() {
        let plan = PaperPlan(tables: [PaperTables.layouts(), PaperTables.pooling()], datasets: ["ml100k"], seeds: [0, 1],
                             base: ExperimentConfiguration())
        let configs = plan.configurations
        func result(_ c: ExperimentConfiguration, _ seconds: Double) -> RunResult {
            RunResult(run: c.runName, configurationHash: c.hash(), testAUC: 0.5, testUAUC: 0.5, testLogLoss: 0.7,
                      bestValidationAUC: 0.5, epochsRun: 1, optimizerSteps: 1, wallSeconds: seconds,
                      trainSamplesPerSecond: 0, trainSampleIDs: [])
        }
        let a500 = configs.filter { $0.lora.layout == .a && $0.data.shots == 500 && $0.audio.stackingPooling == .max && $0.fusion.pooling == .max }
        let meanStacking = configs.filter { $0.audio.stackingPooling == .mean }
        let c100 = configs.filter { $0.lora.layout == .c && $0.data.shots == 100 }
        #expect(a500.count == 2 && meanStacking.count == 2 && c100.count == 2)
        // Seed 0 of layout (a) at K=500 finished in 1000 s and seed 1 in 1400 s.
        let finished = [a500[0].runName: result(a500[0], 1000), a500[1].runName: result(a500[1], 1400)]
        let cost = PaperSession.measuredSeconds(plan: plan, finished: finished)
        // A third seed of that configuration: the mean of the two.
        var seed2 = a500[0]
        seed2.seed = 2
        #expect(PaperSession.expectedSeconds(seed2, measured: cost) == 1200)
        // Mean stacking pooling (same dataset, layout, K): the rough model x 2400 / its estimate of the two.
        let ratio = 2400 / (PaperSession.estimateSeconds(a500[0]) + PaperSession.estimateSeconds(a500[1]))
        #expect(abs(PaperSession.expectedSeconds(meanStacking[0], measured: cost) - PaperSession.estimateSeconds(meanStacking[0]) * ratio) < 1e-9)
        // Layout (c) at K=100: no run like it, so the dataset's ratio; with nothing finished, the rough model.
        #expect(abs(PaperSession.expectedSeconds(c100[0], measured: cost) - PaperSession.estimateSeconds(c100[0]) * ratio) < 1e-9)
        let none = PaperSession.measuredSeconds(plan: plan, finished: [:])
        #expect(PaperSession.expectedSeconds(c100[0], measured: none) == PaperSession.estimateSeconds(c100[0]))
    }
}

/// Issue 31, point 5: `--numerics exact-fma` is an edition of the whole plan under one product.
@Suite("Paper plan editions")
struct PaperPlanEditionTests {
    func session(numerics: MatrixProduct?, runs: URL) throws -> PaperSession {
        let dir = try Fixtures.temporaryDirectory("edition-profile")
        let file = dir.appendingPathComponent("profile.json")
        try Data(#"{"name": "t", "seeds": [0, 1], "shots": [100, 500], "datasets": ["ml100k"], "overrides": []}"#.utf8).write(to: file)
        let locations = PaperSession.Locations(root: Fixtures.repositoryRoot, runs: runs, checkpoints: dir.appendingPathComponent("ckpt"),
                                               output: dir.appendingPathComponent("out"))
        return try PaperSession(profile: try PaperProfile.load(file), numerics: numerics, locations: locations)
    }

    /// Every run of the edition is made with the product asked for, cell for cell the same plan
    /// otherwise, under other run names (both editions share one store); a missing run of the
    /// edition is expected to take what its counterpart under the other product took.
    @Test func anEditionIsThePlanUnderOneProductTimedByTheRunsMadeUnderTheOther() throws {
        let runs = try Fixtures.temporaryDirectory("edition-runs")
        let plain = try session(numerics: nil, runs: runs), edition = try session(numerics: .exactFMA, runs: runs)
        // The paper's tables keep OpenBLAS; the studies added since issue 31 are exact-fma already.
        #expect(plain.tables.map(\.numerics) == [.openBLAS, .openBLAS, .openBLAS, .openBLAS, .exactFMA])
        #expect(edition.plan.configurations.allSatisfy { $0.numerics == .exactFMA })
        #expect(edition.plan.cells.map { "\($0.table)|\($0.row)|\($0.column)" } == plain.plan.cells.map { "\($0.table)|\($0.row)|\($0.column)" })
        // The paper's runs come first in both plans. In the edition, Study S1's stride-1 row is
        // the (a) K=500 default under the same product, so it is trained once: one run fewer per seed.
        let paperRuns = plain.plan.configurations.filter { $0.numerics == .openBLAS }
        #expect(edition.plan.configurations.count == plain.plan.configurations.count - 2)
        let studyCells = Set(plain.plan.cells.filter { $0.table == "S1" }.flatMap(\.runs))
        #expect(plain.plan.configurations.filter { $0.numerics == .exactFMA }.map(\.runName).allSatisfy(studyCells.contains))
        #expect(edition.plan.cells.filter { $0.table == "S1" }.map(\.runs) == plain.plan.cells.filter { $0.table == "S1" }.map(\.runs))
        for (a, b) in zip(paperRuns, edition.plan.configurations.prefix(paperRuns.count)) {
            var same = b
            same.numerics = .openBLAS
            #expect(same == a && a.runName != b.runName)
        }
        // One finished run under OpenBLAS: its exact-fma counterpart (and its other seed) is
        // expected to take its 1234.5 s.
        let made = try #require(plain.plan.configurations.first { $0.model == .atflrec && $0.data.shots == 500 && $0.seed == 0 })
        let result = RunResult(run: made.runName, configurationHash: made.hash(), testAUC: 0.6, testUAUC: 0.6, testLogLoss: 0.69,
                               bestValidationAUC: 0.6, epochsRun: 1, optimizerSteps: 1, wallSeconds: 1234.5,
                               trainSamplesPerSecond: 1, trainSampleIDs: [])
        try RunStore(root: runs).save(made, result: result, predictions: Predictions(sampleIDs: [1, 2], users: [1, 1], labels: [0, 1], scores: [0.2, 0.7]))
        let measured = edition.timingCost(finished: [:])
        for seed: UInt64 in [0, 1] {
            var counterpart = made
            counterpart.numerics = .exactFMA
            counterpart.seed = seed
            #expect(PaperSession.expectedSeconds(counterpart, measured: measured) == 1234.5)
        }
    }
}

/// Issue 29, point 3: a profile that extends another (the fast profile extends full).
@Suite("Paper profiles that extend another")
struct PaperProfileExtensionTests {
    func write(_ json: String, _ name: String, in dir: URL) throws {
        try Data(json.utf8).write(to: dir.appendingPathComponent("profile-\(name).json"))
    }

    /// The child takes the parent's seeds, shots and datasets, adds its overrides after the
    /// parent's, makes every run with its product, shares the parent's run store and is timed
    /// from the parent's finished runs; a second level of extension is a one-line error.
    @Test func aChildProfileIsItsParentsPlanWithItsOverridesTimedByTheParentsRuns() throws {
        let dir = try Fixtures.temporaryDirectory("extending-profiles")
        try write(#"{"name": "parent", "seeds": [0, 1], "shots": [100, 500], "datasets": ["ml100k"], "overrides": ["training.validationSamples=200"]}"#, "parent", in: dir)
        try write(#"{"name": "child", "extends": "parent", "overrides": ["audio.frameStride=8"], "numerics": "exact-fma"}"#, "child", in: dir)
        let child = try PaperProfile.load(dir.appendingPathComponent("profile-child.json"))
        #expect(child.seeds == [0, 1] && child.shots == [100, 500] && child.datasets == ["ml100k"])
        #expect(child.overrides == ["training.validationSamples=200", "audio.frameStride=8"])
        #expect(child.numerics == .exactFMA && child.runStoreProfile == "parent")
        let root = URL(fileURLWithPath: "/r")
        #expect(child.defaultRunStore(root: root).path == "/r/paper/parent/runs")
        #expect(PaperProfile.outputFolder("child", root: root).path == "/r/paper/child")

        try write(#"{"name": "grandchild", "extends": "child"}"#, "grandchild", in: dir)
        #expect(throws: ConfigurationError.self) { try PaperProfile.load(dir.appendingPathComponent("profile-grandchild.json")) }
        try write(#"{"name": "orphan", "extends": "absent"}"#, "orphan", in: dir)
        #expect(throws: ConfigurationError.self) { try PaperProfile.load(dir.appendingPathComponent("profile-orphan.json")) }

        // The sessions, at a root whose paper/configs holds both profiles.
        let repo = try Fixtures.temporaryDirectory("extending-root")
        let configs = repo.appendingPathComponent("paper/configs")
        try FileManager.default.createDirectory(at: configs, withIntermediateDirectories: true)
        for name in ["parent", "child"] {
            try FileManager.default.copyItem(at: dir.appendingPathComponent("profile-\(name).json"),
                                             to: configs.appendingPathComponent("profile-\(name).json"))
        }
        let runs = repo.appendingPathComponent("runs")
        func session(_ name: String) throws -> PaperSession {
            try PaperSession(profile: try PaperProfile.load(name, root: repo),
                             locations: .init(root: repo, runs: runs, checkpoints: repo.appendingPathComponent("ckpt"),
                                              output: repo.appendingPathComponent("out-\(name)")))
        }
        let parentSession = try session("parent"), childSession = try session("child")
        #expect(childSession.plan.configurations.allSatisfy { $0.numerics == .exactFMA })
        // Every run at stride 8 but Study S1's, whose rows set the stride themselves.
        let study = Set(childSession.plan.cells.filter { $0.table == "S1" }.flatMap(\.runs))
        let atflrec = childSession.plan.configurations.filter { $0.model == .atflrec && $0.lora.layout != .c && !study.contains($0.runName) }
        #expect(!atflrec.isEmpty && atflrec.allSatisfy { $0.audio.frameStride == 8 })
        // Models that read no audio (baselines, layout (c)) keep stride 1: the same runs as the
        // parent's under the same product, not a copy under another hash.
        let silent = childSession.plan.configurations.filter { $0.model != .atflrec || $0.lora.layout == .c }
        #expect(!silent.isEmpty && silent.allSatisfy { $0.audio.frameStride == 1 })
        // Study S1 is the same runs in both plans (shared store: made once).
        #expect(childSession.plan.cells.filter { $0.table == "S1" }.map(\.runs) == parentSession.plan.cells.filter { $0.table == "S1" }.map(\.runs))

        // One finished parent run of (a) at K=500 (stride 1, OpenBLAS, 3000 s): the child's (a)
        // K=500 runs at stride 8 are the rough model scaled by that run's measured / estimated.
        let made = try #require(parentSession.plan.configurations.first {
            $0.model == .atflrec && $0.lora.layout == .a && $0.data.shots == 500 && $0.seed == 0 && $0.numerics == .openBLAS })
        let result = RunResult(run: made.runName, configurationHash: made.hash(), testAUC: 0.6, testUAUC: 0.6, testLogLoss: 0.69,
                               bestValidationAUC: 0.6, epochsRun: 1, optimizerSteps: 1, wallSeconds: 3000,
                               trainSamplesPerSecond: 1, trainSampleIDs: [])
        try RunStore(root: runs).save(made, result: result, predictions: Predictions(sampleIDs: [1, 2], users: [1, 1], labels: [0, 1], scores: [0.2, 0.7]))
        let measured = childSession.timingCost(finished: [:])
        var counterpart = made
        counterpart.numerics = .exactFMA
        counterpart.audio.frameStride = 8
        let expected = PaperSession.estimateSeconds(counterpart) * 3000 / PaperSession.estimateSeconds(made)
        #expect(abs(PaperSession.expectedSeconds(counterpart, measured: measured) - expected) < 1e-9)
    }

    /// The rough model's frame term: a sample with the audio branch costs 3x a text-only one at
    /// every 10 ms frame with 80 bins, of which 74% scales with the kept frames (Study S1).
    @Test func theRoughModelScalesTheAudioShareWithTheKeptFrames() {
        var a = ExperimentConfiguration()
        a.lora.layout = .a
        var c = a
        c.lora.layout = .c
        var strided = a
        strided.audio.frameStride = 8
        #expect(abs(PaperSession.estimateSeconds(a) / PaperSession.estimateSeconds(c) - 3) < 1e-12)
        #expect(abs(PaperSession.estimateSeconds(strided) / PaperSession.estimateSeconds(c) - 3 * (0.26 + 0.74 / 8)) < 1e-12)
    }

    /// The committed fast profile: full's plan with every 8th frame under the exact product.
    @Test func theFastProfileExtendsFullWithStrideEight() throws {
        let full = try PaperProfile.load("full", root: Fixtures.repositoryRoot)
        let fast = try PaperProfile.load("fast", root: Fixtures.repositoryRoot)
        #expect(fast.extends == "full" && fast.runStoreProfile == "full" && fast.numerics == .exactFMA)
        #expect(fast.overrides == full.overrides + ["audio.frameStride=8"])
        #expect(fast.seeds == full.seeds && fast.shots == full.shots && fast.datasets == full.datasets)
        #expect(fast.datasetOverrides == full.datasetOverrides)
    }

    /// Issue 28's profile: the sequential tables, no few-shot sizes, every run in the protocol,
    /// its own run store; a sequential profile that names shots is refused.
    @Test func theSequentialProfileRunsTheRankingTablesInTheProtocol() throws {
        let p = try PaperProfile.load("sequential", root: Fixtures.repositoryRoot)
        #expect(p.tables == .sequential && p.shots.isEmpty && p.datasets == ["ml100k"] && p.runStoreProfile == "sequential")
        let base = try p.base()
        let plan = PaperPlan(tables: PaperTables.tables(p.tables, shots: p.shots), datasets: p.datasets, seeds: p.seeds, base: base)
        #expect(plan.configurations.count == 20 && plan.configurations.allSatisfy(\.isSequential))
        #expect(Set(plan.configurations.map(\.model)) == [.gru4rec, .sasrec, .atflrec, .mllmMSR])
        // The audio stride is kept only where the audio branch reads FBank frames.
        #expect(plan.configurations.allSatisfy { $0.audio.frameStride == ($0.model == .atflrec ? 8 : 1) })
        let dir = try Fixtures.temporaryDirectory("sequential-profile")
        let file = dir.appendingPathComponent("profile-s.json")
        try Data(#"{"name": "s", "tables": "sequential", "seeds": [0], "shots": [100, 500], "datasets": ["ml100k"]}"#.utf8).write(to: file)
        #expect(throws: ConfigurationError("\(file.path): shots must be left out of a sequential profile (its runs rank every test user's candidates)")) {
            try PaperProfile.load(file)
        }
    }

    /// Issue 27's TALLRec profile: TALLRec's three K, the five ID baselines and layouts (a), (b),
    /// (c) on ml100k under the exact product, its own run store; a profile without increasing
    /// sizes is refused.
    @Test func theTallrecProfileRunsTableT1AtTallrecsK() throws {
        let p = try PaperProfile.load("tallrec", root: Fixtures.repositoryRoot)
        #expect(p.tables == .tallrec && p.shots == PaperTables.tallrecShots && p.datasets == ["ml100k"] && p.runStoreProfile == "tallrec")
        let plan = PaperPlan(tables: PaperTables.tables(p.tables, shots: p.shots), datasets: p.datasets, seeds: p.seeds, base: try p.base())
        #expect(plan.configurations.count == 8 * 3 * 3)
        #expect(Set(plan.configurations.map(\.model)) == [.gru4rec, .sasrec, .lightgcn, .graphsage, .mf, .atflrec])
        #expect(Set(plan.configurations.map(\.data.shots)) == [16, 64, 256])
        #expect(plan.configurations.allSatisfy { $0.numerics == .exactFMA && !$0.isSequential })
        #expect(plan.configurations.allSatisfy { $0.audio.frameStride == ($0.model == .atflrec && $0.lora.layout != .c ? 8 : 1) })
        let dir = try Fixtures.temporaryDirectory("tallrec-profile")
        let file = dir.appendingPathComponent("profile-t.json")
        try Data(#"{"name": "t", "tables": "tallrec", "seeds": [0], "shots": [64, 16], "datasets": ["ml100k"]}"#.utf8).write(to: file)
        #expect(throws: ConfigurationError("\(file.path): shots must be increasing sizes, e.g. [16, 64, 256]")) {
            try PaperProfile.load(file)
        }
    }
}
