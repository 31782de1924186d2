// The real pipeline (ATFLRecSetup: synthlens tiny-appeal, FBank cache, WordPiece, MiniLM cut to
// 2 layers with LoRA, layout (a) so that the audio branch, both adapters and LoRA dropout are
// all in play): determinism, resume, and a feature cache made with other options.
import Crypto
import Foundation
import RecData
import Testing
import TestSupport
@testable import Experiments

enum SynthLensSetup {
    static func configuration(model: URL) -> ExperimentConfiguration {
        var c = ExperimentConfiguration()
        c.name = "setup-a"
        c.threads = 1
        c.text.modelPath = model.path
        c.text.maxLength = 64
        c.data.dataset = "synthlens"
        c.data.preset = "tiny-appeal"
        c.data.historyLength = 3
        c.data.shots = 32
        c.audio.numMelBins = 40
        c.training.epochs = 3
        c.training.warmupSteps = 2
        c.training.gradientAccumulation = 2
        c.training.earlyStoppingPatience = 0
        c.training.validationSamples = 24
        return c
    }

    /// A fresh setup (as a new process would build it) trained into `dir`.
    static func train(_ c: ExperimentConfiguration, in dir: URL, epochLimit: Int? = nil) throws -> ATFLRecTrainer.Outcome {
        let setup = try ATFLRecSetup(c, root: Fixtures.repositoryRoot)
        let trainer = setup.trainer(runDirectory: dir)
        trainer.epochLimitForThisInvocation = epochLimit
        return try trainer.run(setup.data(setup.splits()))
    }
}

@Suite("ATFLRec setup on synthlens", .serialized)
struct ATFLRecSetupTests {
    @Test func twoRunsAndAResumedRunGiveTheSameBytes() throws {
        guard let model = try truncatedMiniLM(layers: 2) else { return }
        let c = SynthLensSetup.configuration(model: model)
        let first = try Fixtures.temporaryDirectory("first"), second = try Fixtures.temporaryDirectory("second")
        let a = try SynthLensSetup.train(c, in: first)
        let b = try SynthLensSetup.train(c, in: second)
        #expect(a.predictions == b.predictions)

        // Killed after 1 of 3 epochs (the LoRA dropout and shuffle streams are mid-sequence),
        // then restarted by a new setup: the same predictions and checkpoint tensors.
        let split = try Fixtures.temporaryDirectory("split")
        #expect(try SynthLensSetup.train(c, in: split, epochLimit: 1).finished == false)
        let resumed = try SynthLensSetup.train(c, in: split)
        #expect(resumed.finished)
        #expect(resumed.predictions == a.predictions)
        #expect(resumed.result.trainLossCurve == a.result.trainLossCurve)
        for file in ["checkpoint.h5", "best.h5"] {
            let x = try Checkpoint.read(from: first.appendingPathComponent(file).path)
            #expect(x == (try Checkpoint.read(from: second.appendingPathComponent(file).path)), "\(file): two runs differ")
            #expect(x == (try Checkpoint.read(from: split.appendingPathComponent(file).path)), "\(file): resumed run differs")
            #expect(x.randomStates.map(\.0).contains("lora_dropout"), "\(file): \(x.randomStates.map(\.0))")
        }
    }

    @Test func aFeatureCacheMadeWithOtherOptionsIsOneLineAndUntouched() throws {
        guard let model = try truncatedMiniLM(layers: 2) else { return }
        // A cache made with 40 mel bins, then a run that needs 23.
        let dataset = try RecDataset.load(name: "synthlens", preset: "tiny-appeal", root: Fixtures.repositoryRoot)
        let made = DatasetFeatures.options(numMelBins: 40, frameLengthMs: 25, frameShiftMs: 10, sampleFrequency: 16000, maxSeconds: 30)
        let automatic = try DatasetFeatures.prepare(dataset, items: dataset.items, options: made, explicitPath: nil,
                                                    root: Fixtures.repositoryRoot, progress: false)
        let cache = try Fixtures.temporaryDirectory().appendingPathComponent("features-40.h5")
        try FileManager.default.copyItem(atPath: automatic, toPath: cache.path)
        let before = SHA256.hash(data: try Data(contentsOf: cache))

        var c = SynthLensSetup.configuration(model: model)
        c.audio.numMelBins = 23
        c.audio.featureCache = cache.path
        let setup = try ATFLRecSetup(c, root: Fixtures.repositoryRoot)
        #expect {
            try setup.data(setup.splits())
        } throws: { error in
            "\(error)".contains("features-40.h5") && "\(error)".contains("num_mel_bins")
        }

        // The same through the command line: exit 1, nothing written, and the error is one line —
        // the last on stderr, after the resolved configuration `train` prints first.
        let checkpoints = try Fixtures.temporaryDirectory("checkpoints")
        let settings = ["threads=1", "text.modelPath=\(model.path)", "data.dataset=synthlens", "data.preset=tiny-appeal",
                        "audio.numMelBins=23", "audio.featureCache=\(cache.path)"]
        guard let r = try runATFLRec(["train", "--checkpoints", checkpoints.path] + settings.flatMap { ["--set", $0] }) else { return }
        #expect(r.status == 1)
        let errorLines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("atflrec") || $0.contains("rror") }
        #expect(errorLines.count == 1, "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").last.map { $0.hasPrefix("atflrec train: ") && $0.contains("features-40.h5") } == true,
                "\(r.stderr)")
        #expect(SHA256.hash(data: try Data(contentsOf: cache)) == before, "the cache file was modified")
    }
}
