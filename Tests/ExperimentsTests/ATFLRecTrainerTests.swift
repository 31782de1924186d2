import ATFLRecModel
import Foundation
import HDF5Storage
import SeededRandom
import TensorCore
import Testing
import TestSupport
@testable import Experiments

/// A task whose label lives in the audio only: the target item's FBank has a raised band when
/// the item is "liked" (even id). Tokens carry no label information.
struct AudioSignalTask {
    static func fbank(_ item: Int) -> Tensor<Float> {
        var r = SeedBook(seed: 99).stream(.dataGeneration, "item-\(item)")
        let frames = 12, bins = 4
        var values = (0..<(frames * bins)).map { _ in r.normal(std: 0.5) }
        if item % 2 == 0 { for f in 0..<frames { values[f * bins + 1] += 1.5 } }
        return Tensor(shape: [frames, bins], scalars: values)
    }

    static func examples(_ count: Int, offset: Int, seed: UInt64) -> [ATFLRecExample] {
        var r = SeedBook(seed: seed).stream(.sampling, "examples-\(offset)")
        return (0..<count).map { i in
            let target = r.int(below: 40)
            let history = [r.int(below: 40)]
            let tokens = (0..<4).map { _ in r.int(below: 20) }
            return ATFLRecExample(sampleID: offset + i, tokens: tokens, audioItems: history + [target], label: target % 2 == 0 ? 1 : 0)
        }
    }

    static func splits() -> ATFLRecDataSplits {
        let test = examples(64, offset: 2000, seed: 3)
        return ATFLRecDataSplits(train: examples(96, offset: 0, seed: 1), validation: examples(48, offset: 1000, seed: 2),
                                 test: test, testUsers: test.map { $0.sampleID % 7 }, fbank: fbank)
    }

    static func configuration(_ layout: LoRALayout) -> ExperimentConfiguration {
        var c = ExperimentConfiguration()
        c.name = "toy-\(layout.rawValue)"
        c.lora.layout = layout
        c.audio.numMelBins = 4
        c.audio.hiddenSize = 5
        c.audio.frameStride = 1
        c.text.representation = .maskedMean
        c.training.epochs = 8
        c.training.warmupSteps = 4
        c.training.learningRate = 0.02
        c.training.gradientAccumulation = 2
        c.training.earlyStoppingPatience = 0
        return c
    }

    static func trainer(_ c: ExperimentConfiguration, in dir: URL) -> ATFLRecTrainer {
        var r = SeedBook(seed: c.seed).stream(.initialization)
        let layout = LoRALayoutKind(rawValue: c.lora.layout.rawValue)!
        let backbone = LowRankToyBackbone(adapters: layout.adapterNames, random: &r)
        let network = ATFLRecNetwork(backbone: backbone, layout: layout, representation: .maskedMean, melBins: 4, audioHidden: 5,
                                     stackingPooling: .max, fusionPooling: .max, frameStride: 1, random: &r)
        return ATFLRecTrainer(network: network, configuration: c, runDirectory: dir, backboneName: "toy", backboneSHA256: "toy")
    }
}

@Suite("ATFLRec training loop")
struct ATFLRecTrainerTests {
    @Test func audioSignalIsLearnedThroughTheAudioBranch() throws {
        let dir = try Fixtures.temporaryDirectory()
        let outcome = try AudioSignalTask.trainer(AudioSignalTask.configuration(.a), in: dir).run(AudioSignalTask.splits())
        #expect(outcome.finished)
        let curve = outcome.result.trainLossCurve
        #expect(curve.count == 8 && curve.last! < curve.first!, "loss curve \(curve)")
        // Labels depend on the target's audio only; the toy backbone sees it in layout (a).
        #expect(outcome.result.testAUC > 0.8, "test AUC \(outcome.result.testAUC)")
        // 96 samples / batch 8 = 12 micro-batches per epoch, 2 per step: 48 steps in 8 epochs.
        #expect(outcome.result.optimizerSteps == 48)
        #expect(outcome.predictions.sampleIDs.count == 64)
        #expect(outcome.result.resumedAtEpochs == [], "trained in one process")
    }

    @Test func textOnlyLayoutCannotSeeTheAudioSignal() throws {
        let dir = try Fixtures.temporaryDirectory()
        let outcome = try AudioSignalTask.trainer(AudioSignalTask.configuration(.c), in: dir).run(AudioSignalTask.splits())
        // Tokens are independent of the label: AUC near chance (64 test samples: sd about 0.07).
        #expect(abs(outcome.result.testAUC - 0.5) < 0.25, "test AUC \(outcome.result.testAUC)")
    }

    /// Accumulation 2 divides the 12 micro-batches of an epoch; 5 does not (12 = 2 x 5 + 2, as
    /// K=500 gives 62 = 15 x 4 + 2), so an epoch ends with 2 micro-batches' gradients pending and
    /// their phase, which checkpoint.h5 must carry into the resumed process (before 2026-12-07
    /// it did not, and a resumed K=500 run took another path from its second epoch on).
    @Test(arguments: [2, 5])
    func aKilledRunResumesToTheSameBytes(accumulation: Int) throws {
        var c = AudioSignalTask.configuration(.a)
        c.training.gradientAccumulation = accumulation
        let whole = try Fixtures.temporaryDirectory()
        let a = try AudioSignalTask.trainer(c, in: whole).run(AudioSignalTask.splits())
        let split = try Fixtures.temporaryDirectory()
        let first = AudioSignalTask.trainer(c, in: split)
        first.epochLimitForThisInvocation = 2
        #expect(try first.run(AudioSignalTask.splits()).finished == false)
        // A new process: a freshly initialised network, resumed from checkpoint.h5.
        let b = try AudioSignalTask.trainer(c, in: split).run(AudioSignalTask.splits())
        #expect(b.finished)
        #expect(b.predictions == a.predictions)
        #expect(b.result.trainLossCurve == a.result.trainLossCurve)
        for file in ["checkpoint.h5", "best.h5"] {
            let x = try Checkpoint.read(from: whole.appendingPathComponent(file).path)
            let y = try Checkpoint.read(from: split.appendingPathComponent(file).path)
            #expect(x == y, "\(file) differs after resume")
        }
        if accumulation == 5 {
            // The test means what it says: the epoch-2 checkpoint really held pending gradients.
            let c2 = try Checkpoint.read(from: whole.appendingPathComponent("checkpoint.h5").path)
            #expect(c2.microBatches == 8 * 12 && c2.microBatches! % 5 != 0 && !c2.accumulatedGradients.isEmpty,
                    "micro-batches \(String(describing: c2.microBatches)), \(c2.accumulatedGradients.count) pending gradients")
        }
    }

    /// A run trained by three processes (killed after epochs 2 and 4) reports the time of all
    /// three: each process adds its time to elapsed.json after every checkpoint. The first
    /// process's record is raised to 1000 s so that the sum is told apart from the last
    /// process's own time whatever the machine's speed.
    @Test func aResumedRunCountsTheTimeOfEveryProcess() throws {
        let c = AudioSignalTask.configuration(.a)
        let dir = try Fixtures.temporaryDirectory()
        let recordURL = dir.appendingPathComponent(TrainingClock.fileName)
        func record() throws -> TrainingClock.Record {
            try JSONDecoder().decode(TrainingClock.Record.self, from: Data(contentsOf: recordURL))
        }
        func process(epochLimit: Int?) throws -> (ATFLRecTrainer.Outcome, seconds: Double) {
            let trainer = AudioSignalTask.trainer(c, in: dir)
            trainer.epochLimitForThisInvocation = epochLimit
            let start = Date()
            let outcome = try trainer.run(AudioSignalTask.splits())
            return (outcome, Date().timeIntervalSince(start))
        }
        let first = try process(epochLimit: 2)
        var firstRecord = try record()
        #expect(firstRecord.epoch == 2 && firstRecord.resumedAtEpochs == [])
        #expect(firstRecord.seconds > 0 && firstRecord.seconds <= first.seconds, "\(firstRecord), process \(first.seconds) s")
        firstRecord.seconds = 1000
        try JSONEncoder().encode(firstRecord).write(to: recordURL)

        let second = try process(epochLimit: 2)
        let secondRecord = try record()
        #expect(secondRecord.epoch == 4 && secondRecord.resumedAtEpochs == [2])
        #expect(secondRecord.seconds > 1000 && secondRecord.seconds <= 1000 + second.seconds, "\(secondRecord), process \(second.seconds) s")

        let (last, lastSeconds) = try process(epochLimit: nil)
        #expect(last.finished && last.result.epochsRun == 8)
        #expect(last.result.resumedAtEpochs == [2, 4])
        #expect(last.result.wallSeconds > secondRecord.seconds && last.result.wallSeconds <= secondRecord.seconds + lastSeconds,
                "wall \(last.result.wallSeconds), earlier \(secondRecord.seconds), last process \(lastSeconds)")
    }

    @Test func aDamagedTimeRecordIsAnErrorNamingTheFile() throws {
        let c = AudioSignalTask.configuration(.a)
        let dir = try Fixtures.temporaryDirectory()
        let first = AudioSignalTask.trainer(c, in: dir)
        first.epochLimitForThisInvocation = 1
        _ = try first.run(AudioSignalTask.splits())
        try Data("{\"epoch\": 1".utf8).write(to: dir.appendingPathComponent(TrainingClock.fileName))
        #expect {
            _ = try AudioSignalTask.trainer(c, in: dir).run(AudioSignalTask.splits())
        } throws: { error in
            "\(error)".contains(TrainingClock.fileName) && "\(error)".contains("not a training-time record")
        }
    }
}

@Suite("Python loads the checkpoint")
struct PythonLoaderTests {
    @Test func numpyRecomputesLogitsAndAudioVectorsFromTheCheckpoint() throws {
        let dir = try Fixtures.temporaryDirectory()
        var c = AudioSignalTask.configuration(.a)
        c.training.epochs = 2
        c.audio.stackingPooling = .mean
        let trainer = AudioSignalTask.trainer(c, in: dir)
        trainer.intermediatesPath = dir.appendingPathComponent("intermediates.h5").path
        let outcome = try trainer.run(AudioSignalTask.splits())
        // The predictions come from the same forward pass as the intermediates.
        let scores = try trainer.scores(AudioSignalTask.splits().test, AudioSignalTask.fbank)
        expectClose(outcome.predictions.scores, scores, atol: 1e-7, "test scores via intermediates vs direct")
        // python3 with numpy and h5py is installed by `make deps`; its absence fails the test.
        let run = try runPython("paper/tools/load_checkpoint.py", [dir.path])
        expectPythonSucceeded(run, "load_checkpoint.py")
        let output = run.stdout
        #expect(output.contains("python recomputation matches the swift outputs"), "\(output)")
        // hashlib + numpy give the model tensors hash Swift gives (checkpoints/README.md).
        let tensors = try ModelTensorsHash.ofFile(dir.appendingPathComponent("best.h5").path)
        #expect(output.contains("model tensors sha256: \(tensors)\n"), "swift \(tensors); python: \(output)")
    }

    /// `make paper` keeps the FBank of the first few items only (PaperSession.intermediatesFBankItems):
    /// every item vector is still stored, the loader checks the items it has features for, and
    /// the scores are those of the full file.
    @Test func intermediatesWithTheFBankOfSomeItemsStillCheckInPython() throws {
        var c = AudioSignalTask.configuration(.a)
        c.training.epochs = 2
        var outcomes: [ATFLRecTrainer.Outcome] = []
        var dirs: [URL] = []
        for limit in [nil, 3] as [Int?] {
            let dir = try Fixtures.temporaryDirectory()
            let trainer = AudioSignalTask.trainer(c, in: dir)
            trainer.intermediatesPath = dir.appendingPathComponent("intermediates.h5").path
            trainer.intermediatesFBankItems = limit
            outcomes.append(try trainer.run(AudioSignalTask.splits()))
            dirs.append(dir)
        }
        #expect(outcomes[0].predictions == outcomes[1].predictions)
        let full = try HDF5Reader(path: dirs[0].appendingPathComponent("intermediates.h5").path)
        let some = try HDF5Reader(path: dirs[1].appendingPathComponent("intermediates.h5").path)
        let items = try full.read(Int64.self, "/items/ids").values
        let someItems = try some.read(Int64.self, "/items/ids").values
        #expect(items.count > 3 && someItems == items)
        let vectors = try (some.read(Float.self, "/items/vectors").values, full.read(Float.self, "/items/vectors").values)
        #expect(vectors.0 == vectors.1)
        let offsets = try full.read(Int64.self, "/items/fbank_offsets").values
        let someOffsets = try some.read(Int64.self, "/items/fbank_offsets").values
        #expect(offsets.count == items.count + 1 && someOffsets == Array(offsets.prefix(4)))
        let frames = try (some.read(Float.self, "/items/fbank").values, full.read(Float.self, "/items/fbank").values)
        #expect(frames.0 == Array(frames.1.prefix(Int(offsets[3]) * c.audio.numMelBins)))
        let run = try runPython("paper/tools/load_checkpoint.py", [dirs[1].path])
        expectPythonSucceeded(run, "load_checkpoint.py with the FBank of 3 items")
        #expect(run.stdout.contains("audio item vectors: 3 of \(items.count) items"), "\(run.stdout)")
    }
}
