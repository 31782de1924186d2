// Model mllm-msr end to end on MovieLens-100K's sequential protocol, with the committed tiny
// random BERT (Tests/Fixtures/text/tiny-bert, from make_tiny_fixtures.py: not pretrained) so
// that it takes seconds: the metrics against the predictions they come from, determinism, and
// a killed run resumed to the same bytes. Users with at least 250 positives only (12 users).
import Evaluation
import Foundation
import Testing
import TestSupport
@testable import Experiments
import Baselines
import RecData

@Suite("mllm-msr trainer (sequential protocol)", .serialized)
struct SequentialTrainerTests {
    static func configuration() -> ExperimentConfiguration {
        var c = ExperimentConfiguration()
        c.name = "mllm-msr-test"
        c.model = .mllmMSR
        c.threads = 1
        c.text.modelPath = Fixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/text/tiny-bert").path
        c.text.maxLength = 64
        c.sequence.minimumLength = 250
        c.sequence.maxHistory = 7
        c.sequence.blockSize = 3
        c.sequence.trainPositionsPerUser = 3
        c.sequence.trainNegatives = 2
        c.sequence.summaryPhrases = 0      // titles only: measuring 1,682 soundtracks is not a unit test's job
        c.training.batchSize = 4
        c.training.gradientAccumulation = 2  // 9 micro-batches per epoch: epochs end inside an accumulation
        c.training.epochs = 3
        c.training.warmupSteps = 2
        c.training.earlyStoppingPatience = 0
        return c
    }

    static func train(_ c: ExperimentConfiguration, in dir: URL, epochLimit: Int? = nil) throws -> SequentialTrainer.Outcome {
        let trainer = SequentialTrainer(setup: try SequentialSetup(c, root: Fixtures.repositoryRoot), runDirectory: dir)
        trainer.epochLimitForThisInvocation = epochLimit
        return try trainer.run()
    }

    @Test func metricsComeFromThePredictionsAndRunsRepeatAndResume() throws {
        let c = Self.configuration()
        let setup = try SequentialSetup(c, root: Fixtures.repositoryRoot)
        #expect(setup.splits.users == 12 && setup.splits.train.count == 36)
        let first = try Fixtures.temporaryDirectory("msr-first")
        let a = try Self.train(c, in: first)
        #expect(a.finished && a.result.epochsRun == 3)
        // One row per (user, candidate); the positive first among each user's 20.
        let p = a.predictions
        #expect(p.scores.count == 12 * 20 && p.labels.filter { $0 == 1 }.count == 12)
        var positives: [Double] = [], negatives: [[Double]] = []
        for u in 0..<12 {
            let rows = (u * 20)..<((u + 1) * 20)
            #expect(p.labels[rows.lowerBound] == 1 && Set(p.users[rows]).count == 1)
            positives.append(p.scores[rows.lowerBound])
            negatives.append(Array(p.scores[(rows.lowerBound + 1)..<rows.upperBound]))
        }
        // Sigmoid is monotone, so ranks of the stored probabilities are the logits' ranks.
        let q = try rankingQuality(positiveScores: positives, negativeScores: negatives, k: 5)
        #expect(a.result.testHitRate == q.hitRate && a.result.testNDCG == q.ndcg && a.result.rankingK == 5)
        #expect(abs(a.result.testUAUC - q.auc) < 1e-12)

        // Again in a fresh directory: the same bytes; killed after 1 epoch and resumed: the same.
        let b = try Self.train(c, in: try Fixtures.temporaryDirectory("msr-second"))
        #expect(b.predictions == a.predictions)
        let split = try Fixtures.temporaryDirectory("msr-split")
        #expect(try Self.train(c, in: split, epochLimit: 1).finished == false)
        let resumed = try Self.train(c, in: split)
        #expect(resumed.predictions == a.predictions)
        #expect(resumed.result.trainLossCurve == a.result.trainLossCurve && resumed.result.resumedAtEpochs == [1])
        #expect(try Checkpoint.read(from: split.appendingPathComponent("best.h5").path)
                == (try Checkpoint.read(from: first.appendingPathComponent("best.h5").path)))
    }

    @Test func sequenceKeysAreForMLLMMSROnlyAndStoredOnlyThere() throws {
        let atflrec = ExperimentConfiguration()
        #expect(!atflrec.canonicalJSON().contains("sequence") && !atflrec.prettyJSON().contains("sequence"))
        #expect(Self.configuration().canonicalJSON().contains("\"sequence\":{"))
        let msr = try ConfigurationLoader.resolve(file: nil, overrides: ["model=mllm-msr", "sequence.blockSize=2"])
        #expect(msr.sequence.blockSize == 2)
        #expect(throws: ConfigurationError("config defaults: key 'sequence' is read by model mllm-msr only (this configuration trains atflrec)")) {
            try ConfigurationLoader.resolve(file: nil, overrides: ["sequence.blockSize=2"])
        }
        #expect(throws: ConfigurationError("config defaults: key 'sequence.summaryPhrases' must be in 0...4")) {
            try ConfigurationLoader.resolve(file: nil, overrides: ["model=mllm-msr", "sequence.summaryPhrases=5"])
        }
    }
}

@Suite("ID baselines in the sequential protocol")
struct SequentialBaselinesTests {
    /// A planted chain: every user likes items 0, 1, 2, ... of a 30-item cycle in order, from an
    /// offset of their own, so the next item follows from the last one. GRU4Rec must rank the
    /// held-out next item above most of its 19 unrated candidates (chance HR@5 = 0.25).
    @Test(arguments: [BaselineKind.gru4rec, .sasrec])
    func aSequenceModelLearnsAPlantedChain(_ kind: BaselineKind) throws {
        var ratings: [Rating] = []
        for user in 0..<40 {
            for t in 0..<12 { ratings.append(Rating(user: user, item: 1 + (user * 7 + t) % 30, rating: 5, timestamp: t)) }
        }
        let splits = try SequentialSamples.build(ratings, catalogue: Array(1...200), maxHistory: 8)
        var settings = BaselineSettings(model: kind)
        settings.training.epochs = 8     // HR@5 is 1.0 for both by then (measured); chance 0.25
        let a = try SequentialBaselines.run(settings, splits: splits, trainNegatives: 3, k: 5, seed: 0)
        #expect(a.ranking.users == 40)
        #expect(a.ranking.hitRate > 0.8, "\(kind): HR@5 \(a.ranking.hitRate)")
        #expect(a.ranking.ndcg > 0.5 && a.ranking.auc > 0.9)
        let b = try SequentialBaselines.run(settings, splits: splits, trainNegatives: 3, k: 5, seed: 0)
        #expect(a.testLogits == b.testLogits)
    }
}
