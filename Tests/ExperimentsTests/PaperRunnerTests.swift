import Crypto
import Foundation
import HDF5Storage
import Testing
import TensorCore
import TestSupport
@testable import Experiments

/// A trainer that records which runs it was asked for and returns a result derived from the
/// configuration, so the runner's caching can be checked without training anything.
final class RecordingTrainer: ModelTrainer, @unchecked Sendable {
    var calls: [String] = []
    var failOn: String?
    var leavesCheckpoint = true

    func run(_ c: ExperimentConfiguration, in runDirectory: RunDirectory, progress: ProgressLine) throws -> (RunResult, Predictions) {
        if c.runName == failOn { throw ConfigurationError("interrupted at \(c.runName)") }
        calls.append(c.runName)
        if leavesCheckpoint { try Self.writeCheckpoint(c, to: runDirectory.bestCheckpoint.path) }
        let auc = 0.5 + Double(c.seed) / 100
        return (RunResult(run: c.runName, configurationHash: c.hash(), testAUC: auc, testUAUC: auc, testLogLoss: 0.7,
                          bestValidationAUC: auc, epochsRun: 1, optimizerSteps: 1, wallSeconds: 0,
                          trainSamplesPerSecond: 0, trainSampleIDs: [1, 2]),
                Predictions(sampleIDs: [1, 2], users: [1, 1], labels: [0, 1], scores: [0.25, 0.75]))
    }

    /// The smallest file ModelTensorsHash reads: the configuration hash, one parameter [2] =
    /// (seed, 1) and one buffer [1] = (0.5), plus an environment attribute it must ignore.
    static func writeCheckpoint(_ c: ExperimentConfiguration, to path: String, commit: String = "abc") throws {
        let w = try HDF5Writer(path: path)
        try w.setAttribute("configuration_hash", .string(c.hash()))
        try w.setAttribute("environment", .string("{\"git_commit\":\"\(commit)\"}"))
        try w.createGroup("/parameters")
        try w.write([Float(c.seed), 1], shape: [2], to: "/parameters/w")
        try w.createGroup("/buffers")
        try w.write([Float(0.5)], shape: [1], to: "/buffers/running_mean")
        try w.commit()
    }
}

@Suite("Paper runner")
struct PaperRunnerTests {
    /// A sitting restricted by model, dataset and K trains exactly the runs that match all three.
    @Test func aSittingTrainsOnlyTheRunsItSelects() throws {
        let root = try Fixtures.temporaryDirectory()
        let plan = PaperPlan(tables: [PaperTables.comparison(), PaperTables.layouts()], datasets: ["ml100k", "synthlens"],
                             seeds: [0, 1], base: ExperimentConfiguration())
        let sitting = PaperSession.Sitting(models: [.atflrec], datasets: ["ml100k"], shots: [100])
        let expected = plan.configurations.filter { $0.model == .atflrec && $0.data.dataset == "ml100k" && $0.data.shots == 100 }
        #expect(expected.count == 6, "layouts a, b, c x 2 seeds (Table II's ATFLRec row is layout a)")
        let trainer = RecordingTrainer()
        let runner = PaperRunner(store: RunStore(root: root.appendingPathComponent("runs")),
                                 checkpointsRoot: root.appendingPathComponent("checkpoints"),
                                 trainer: { _ in trainer }, estimateSeconds: { _ in 1 })
        _ = try runner.execute(PaperPlan(filtering: plan, sitting.includes), log: { _ in })
        #expect(trainer.calls == expected.map(\.runName))
        #expect(PaperSession.Sitting().isWholePlan && !sitting.isWholePlan)
        // At most two of the missing runs, the first in plan order; finished ones stay selected.
        var two = sitting
        two.maxRuns = 2
        let finished: Set<String> = [expected[0].runName]
        let part = try two.select(from: plan) { finished.contains($0.runName) }
        #expect(part.configurations.map(\.runName) == expected.prefix(3).map(\.runName))
    }

    /// `--only-runs`: exactly the named runs, in plan order whatever the order given; a name
    /// that is not in the plan is refused by name rather than training nothing.
    @Test func aSittingByRunNameTrainsThoseRunsInPlanOrder() throws {
        let plan = PaperPlan(tables: [PaperTables.layouts()], datasets: ["synthlens"], seeds: [0, 1], base: ExperimentConfiguration())
        let names = plan.configurations.map(\.runName)
        let sitting = PaperSession.Sitting(runNames: [names[9], names[2]])
        #expect(!sitting.isWholePlan)
        let part = try sitting.select(from: plan) { _ in false }
        #expect(part.configurations.map(\.runName) == [names[2], names[9]])
        let typo = PaperSession.Sitting(runNames: [names[2], "seq-atflrec-a-00000000"])
        #expect(throws: ConfigurationError("--only-runs: 'seq-atflrec-a-00000000' is not a run of this plan (`atflrec paper run --plan-only` lists them)")) {
            _ = try typo.select(from: plan) { _ in false }
        }
    }

    @Test func interruptedPlansContinueAndDeletedRunsAreRecomputedAlone() throws {
        let root = try Fixtures.temporaryDirectory()
        let plan = PaperPlan(tables: [PaperTables.layouts()], datasets: ["synthlens"], seeds: [0, 1], base: ExperimentConfiguration())
        #expect(plan.configurations.count == 12)
        let trainer = RecordingTrainer()
        let runner = PaperRunner(store: RunStore(root: root.appendingPathComponent("runs")),
                                 checkpointsRoot: root.appendingPathComponent("checkpoints"),
                                 trainer: { _ in trainer }, estimateSeconds: { _ in 1 })
        // Interrupt at the fifth run: four are stored.
        trainer.failOn = plan.configurations[4].runName
        #expect(throws: ConfigurationError.self) { _ = try runner.execute(plan, log: { _ in }) }
        #expect(trainer.calls.count == 4)
        // Continue: only the eight missing runs are trained.
        trainer.failOn = nil
        trainer.calls = []
        let first = try runner.execute(plan, log: { _ in })
        #expect(trainer.calls == plan.configurations.dropFirst(4).map(\.runName))
        // Finished: nothing is trained again.
        trainer.calls = []
        _ = try runner.execute(plan, log: { _ in })
        #expect(trainer.calls.isEmpty)
        // Delete one run directory: exactly that run is recomputed, with identical results.
        let victim = plan.configurations[7].runName
        try FileManager.default.removeItem(at: root.appendingPathComponent("runs").appendingPathComponent(victim))
        let again = try runner.execute(plan, log: { _ in })
        #expect(trainer.calls == [victim])
        #expect(again[victim]!.0 == first[victim]!.0)
    }

    /// The stored result records the SHA-256 of the checkpoint the run left (the manifest lists
    /// it); a run that leaves none is an error and is not stored.
    @Test func storedRunsRecordTheirCheckpointHash() throws {
        let root = try Fixtures.temporaryDirectory()
        let plan = PaperPlan(tables: [PaperTables.layouts()], datasets: ["synthlens"], seeds: [0], base: ExperimentConfiguration())
        let trainer = RecordingTrainer()
        let store = RunStore(root: root.appendingPathComponent("runs"))
        let runner = PaperRunner(store: store, checkpointsRoot: root.appendingPathComponent("checkpoints"),
                                 trainer: { _ in trainer }, estimateSeconds: { _ in 1 })
        let c = plan.configurations[0]
        _ = try runner.execute(PaperPlan(filtering: plan) { $0.runName == c.runName }, log: { _ in })
        let best = RunDirectory(root: root.appendingPathComponent("checkpoints"), configuration: c).bestCheckpoint
        let expected = SHA256.hash(data: try Data(contentsOf: best)).map { String(format: "%02x", $0) }.joined()
        #expect(try store.load(c)?.0.checkpointSHA256 == expected)
        // The tensors hash, against the byte stream checkpoints/README.md defines, built here by hand.
        var stream = Data("atflrec-model-tensors-v1\nconfiguration_hash=\(c.hash())\nparameters/w\n2\n".utf8)
        for v: Float in [Float(c.seed), 1] { withUnsafeBytes(of: v.bitPattern.littleEndian) { stream.append(contentsOf: $0) } }
        stream.append(Data("buffers/running_mean\n1\n".utf8))
        withUnsafeBytes(of: Float(0.5).bitPattern.littleEndian) { stream.append(contentsOf: $0) }
        let tensors = SHA256.hash(data: stream).map { String(format: "%02x", $0) }.joined()
        #expect(try store.load(c)?.0.modelTensorsSHA256 == tensors)
        // and the OpenBLAS kernels it was trained with.
        #expect(try store.load(c)?.0.blasCore == BLASCore.current)
        #expect(expected.count == 64 && expected != SHA256Hex.of(Data()))

        trainer.leavesCheckpoint = false
        let d = plan.configurations[1]
        do {
            _ = try runner.execute(PaperPlan(filtering: plan) { $0.runName == d.runName }, log: { _ in })
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("the run finished without best.h5"), "\(error)")
        }
        #expect(try store.load(d) == nil)
    }

    @Test func aModelWithoutTrainerIsAnErrorBeforeAnyWork() throws {
        let root = try Fixtures.temporaryDirectory()
        let plan = PaperPlan(tables: [PaperTables.comparison()], datasets: ["synthlens"], seeds: [0], base: ExperimentConfiguration())
        let trainer = RecordingTrainer()
        let runner = PaperRunner(store: RunStore(root: root), checkpointsRoot: root,
                                 trainer: { $0 == .atflrec ? trainer : nil }, estimateSeconds: { _ in 1 })
        do {
            _ = try runner.execute(plan, log: { _ in })
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("no trainer for model 'gru4rec'"))
        }
        #expect(trainer.calls.isEmpty)
    }
}
