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
        c.data.evaluationProtocol = .sequential
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

        // `atflrec eval` of the run: its best.h5 re-scores the test candidates to the same bytes.
        let evalRun = RunDirectory(root: try Fixtures.temporaryDirectory("msr-eval"), configuration: c)
        try evalRun.prepare()
        let dir = evalRun.url
        for file in ["best.h5", "checkpoint.h5"] { try FileManager.default.copyItem(at: first.appendingPathComponent(file), to: dir.appendingPathComponent(file)) }
        #expect(try TrainedSequentialRun(directory: dir, root: Fixtures.repositoryRoot).evaluate(split: "test").0 == a.predictions)
        #expect(try TrainedSequentialRun(directory: dir, root: Fixtures.repositoryRoot).evaluate(split: "validation").0.labels.count == 12 * 20)

        // `atflrec predict`: the item after all of the user's positives, i.e. its test case's
        // history and target (at most maxHistory); the scored case is the one a batch of one
        // gives, and a user the protocol does not keep is named in one line.
        let opened = try TrainedSequentialRun(directory: dir, root: Fixtures.repositoryRoot)
        let test = opened.trainer.setup.splits.test[0], item = test.negatives[0]
        let (score, x, texts) = try opened.predict(user: test.user, item: item)
        #expect(x.user == test.user && x.target == item && x.negatives.isEmpty)
        #expect(x.history == Array((test.history + [test.target]).suffix(c.sequence.maxHistory)))
        #expect(score > 0 && score < 1 && texts[item] != nil)
        #expect(score == 1 / (1 + Foundation.exp(-opened.trainer.scores([x])[0].positive)))
        #expect(throws: ConfigurationError("user 999999: not a user of the sequential protocol on \(c.data.dataset) (fewer than \(c.sequence.minimumLength) positives, or unknown)")) {
            _ = try opened.predict(user: 999_999, item: item)
        }
    }

    /// ATFLRec (layout (b): audio and text through one adapter) in the same protocol: it is
    /// trained on the protocol's samples and ranks the same candidates as mllm-msr, in the same
    /// predictions layout, and its HR@K and NDCG@K are those of its predictions.
    @Test func atflrecRanksTheSameCandidates() throws {
        var c = Self.configuration()
        c.name = "atflrec-b-sequential-test"
        c.model = .atflrec
        c.lora.layout = .b
        c.data.historyLength = 3
        c.audio.numMelBins = 40
        c.audio.frameStride = 8
        c.training.epochs = 2
        let setup = try ATFLRecSetup(c, root: Fixtures.repositoryRoot)
        let samples = try setup.splits()
        let cases = try SequentialSetup(Self.configuration(), root: Fixtures.repositoryRoot).splits
        #expect(samples.test.map(\.target) == cases.test.flatMap { [$0.target] + $0.negatives })
        #expect(samples.train.count == 36 * 3 && samples.train.allSatisfy { $0.history.count <= 3 })
        let run = RunDirectory(root: try Fixtures.temporaryDirectory("atflrec-sequential"), configuration: c)
        try run.prepare()
        let outcome = try setup.trainer(runDirectory: run.url).run(setup.data(samples))
        let p = outcome.predictions
        #expect(p.sampleIDs == Array(0..<(12 * 20)) && p.labels.filter { $0 == 1 }.count == 12)
        let r = try SequentialProtocol.ranking(p, negatives: 19, k: 5)
        #expect(outcome.result.rankingK == 5 && outcome.result.testHitRate == r.hitRate && outcome.result.testNDCG == r.ndcg)
        #expect(outcome.result.trainSampleIDs == Array(0..<(36 * 3)))
        // `atflrec eval` scores the protocol's candidates, not the few-shot test samples.
        #expect(try TrainedRun(directory: run.url, root: Fixtures.repositoryRoot).evaluate(split: "test").0 == p)
        // `atflrec predict` reads the user's latest positives, all liked, the last historyLength.
        let test = cases.test[0]
        let latest = try setup.latestSample(user: test.user, target: 5)!
        #expect(latest.history == Array((test.history + [test.target]).suffix(3)) && latest.likedHistory == latest.history && latest.target == 5)
        let (score, _, _) = try TrainedRun(directory: run.url, root: Fixtures.repositoryRoot).predict(user: test.user, item: 5)
        #expect(score > 0 && score < 1)
    }

    @Test func sequenceKeysAreReadInTheSequentialProtocolOnlyAndStoredOnlyThere() throws {
        let atflrec = ExperimentConfiguration()
        for json in [atflrec.canonicalJSON(), atflrec.prettyJSON()] { #expect(!json.contains("sequence") && !json.contains("protocol")) }
        #expect(Self.configuration().canonicalJSON().contains("\"sequence\":{"))
        #expect(Self.configuration().canonicalJSON().contains("\"protocol\":\"sequential\""))
        let msr = try ConfigurationLoader.resolve(file: nil, overrides: ["model=mllm-msr", "data.protocol=sequential", "sequence.blockSize=2"])
        #expect(msr.sequence.blockSize == 2)
        let a = try ConfigurationLoader.resolve(file: nil, overrides: ["data.protocol=sequential", "lora.layout=b"])
        #expect(a.isSequential && a.canonicalJSON().contains("\"sequence\":{"))
        #expect(throws: ConfigurationError("config defaults: key 'sequence' is read in the sequential protocol only (set data.protocol=sequential)")) {
            try ConfigurationLoader.resolve(file: nil, overrides: ["sequence.blockSize=2"])
        }
        #expect(throws: ConfigurationError("config defaults: key 'data.protocol' must be sequential for model mllm-msr (it ranks candidates in issue 28's protocol)")) {
            try ConfigurationLoader.resolve(file: nil, overrides: ["model=mllm-msr"])
        }
        #expect(throws: ConfigurationError("config defaults: key 'model' lightgcn is not run in the sequential protocol (atflrec, mllm-msr, gru4rec and sasrec are)")) {
            try ConfigurationLoader.resolve(file: nil, overrides: ["model=lightgcn", "data.protocol=sequential"])
        }
        #expect(throws: ConfigurationError("config defaults: key 'sequence.summaryPhrases' must be in 0...4")) {
            try ConfigurationLoader.resolve(file: nil, overrides: ["model=mllm-msr", "data.protocol=sequential", "sequence.summaryPhrases=5"])
        }
    }
}

@Suite("Samples of the sequential protocol")
struct SequentialProtocolSamplesTests {
    /// Every model of a sequential table trains on the same positives and negatives and is
    /// scored on the same candidates: the samples are the cases, laid out by id as documented.
    @Test func samplesAreTheCasesWithTheirCandidates() throws {
        var ratings: [Rating] = []
        for user in 0..<10 {
            for t in 0..<9 { ratings.append(Rating(user: user, item: 1 + (user * 5 + t * 3) % 60, rating: t == 4 ? 2 : 5, timestamp: t)) }
        }
        var c = ExperimentConfiguration()
        c.data.evaluationProtocol = .sequential
        c.sequence.trainNegatives = 2
        c.sequence.negatives = 9
        c.training.validationSamples = 4
        let splits = try SequentialSamples.build(ratings, catalogue: Array(1...80), maxHistory: 6, negatives: 9)
        let s = SequentialProtocol.samples(splits, c, historyLength: 3)
        #expect(s.train.count == splits.train.count * 3 && s.test.count == 10 * 10 && s.validation.count == 4 * 10)
        for (i, x) in splits.train.enumerated() {
            let rows = s.train[(i * 3)..<(i * 3 + 3)]
            #expect(rows.map(\.target) == SequentialProtocol.trainingCandidates(x, in: splits, c))
            #expect(rows.map(\.label) == [1, 0, 0] && rows.map(\.id) == Array((i * 3)..<(i * 3 + 3)))
            #expect(rows.allSatisfy { $0.history == Array(x.history.suffix(3)) && $0.likedHistory == $0.history })
        }
        let chosen = SequentialProtocol.validationCases(splits, c)
        #expect(chosen.count == 4 && s.validation.map(\.user) == chosen.flatMap { [Int](repeating: $0.user, count: 10) })
        for (i, x) in splits.test.enumerated() {
            let rows = s.test[(i * 10)..<(i * 10 + 10)]
            #expect(rows.map(\.target) == [x.target] + x.negatives && rows.map(\.id) == Array((i * 10)..<(i * 10 + 10)))
        }
        #expect(SequentialProtocol.samples(splits, c, historyLength: nil).test[0].history == splits.test[0].history)

        // Ranking read back from predictions in that layout, checked against the metric itself.
        let scores = s.test.map { Double(($0.target * 37 + $0.user * 11) % 23) / 23 }
        let p = Predictions(sampleIDs: s.test.map(\.id), users: s.test.map(\.user), labels: s.test.map(\.label), scores: scores)
        let r = try SequentialProtocol.ranking(p, negatives: 9, k: 3)
        let q = try rankingQuality(positiveScores: (0..<10).map { scores[$0 * 10] },
                                   negativeScores: (0..<10).map { Array(scores[($0 * 10 + 1)..<($0 * 10 + 10)]) }, k: 3)
        #expect(r == q)
        var shuffled = p
        shuffled.sampleIDs.swapAt(0, 1)
        #expect(throws: MetricError("sequential predictions: row 0 has sample id 1 and label 1; expected id 0, label 1")) {
            try SequentialProtocol.ranking(shuffled, negatives: 9, k: 3)
        }
    }
}

@Suite("The sequential protocol on synthlens")
struct SequentialSynthLensTests {
    /// synthlens' world has time-stamped likes too: its cases are the likes in time order, and
    /// no candidate is an item the user rated; microlens (no ratings) is refused by name.
    @Test func synthlensUsersBecomeCasesAndMicroLensIsRefused() throws {
        let c = try ConfigurationLoader.resolve(file: nil, overrides: ["data.protocol=sequential", "data.dataset=synthlens", "data.preset=tiny-appeal"])
        let d = try DatasetSplits.dataset(c, root: Fixtures.repositoryRoot)
        let s = try SequentialProtocol.splits(c, dataset: d)
        #expect(s.users > 0 && s.test.count == s.users && s.users + s.usersLeftOut == Set(d.ratings.map(\.user)).count)
        let likes = Dictionary(grouping: d.ratings.filter { $0.rating > 3 }, by: \.user)
        for x in s.test {
            let order = likes[x.user]!.sorted { ($0.timestamp, $0.item) < ($1.timestamp, $1.item) }.map(\.item)
            #expect(order.last == x.target && Array(order.dropLast().suffix(c.sequence.maxHistory)) == x.history)
            #expect(x.negatives.count == 19 && Set(x.negatives).isDisjoint(with: s.rated[x.user]!))
        }
        #expect(throws: ConfigurationError("config defaults: key 'data.dataset' must be ml100k or synthlens in the sequential protocol (it orders their time-stamped ratings)")) {
            try ConfigurationLoader.resolve(file: nil, overrides: ["data.protocol=sequential", "data.dataset=microlens"])
        }
    }
}

@Suite("ID baselines in the sequential protocol")
struct SequentialBaselinesTests {
    /// A planted chain: every user likes items 0, 1, 2, ... of a 30-item cycle in order, from an
    /// offset of their own, so the next item follows from the last one. Through the paper's
    /// baseline trainer (BaselineModelTrainer, as `atflrec train` runs it), GRU4Rec and SASRec
    /// must rank the held-out next item above most of its 19 unrated candidates (chance HR@5 = 0.25).
    @Test(arguments: [ModelKind.gru4rec, .sasrec])
    func aSequenceModelLearnsAPlantedChain(_ kind: ModelKind) throws {
        var ratings: [Rating] = []
        for user in 0..<40 {
            for t in 0..<12 { ratings.append(Rating(user: user, item: 1 + (user * 7 + t) % 30, rating: 5, timestamp: t)) }
        }
        let splits = try SequentialSamples.build(ratings, catalogue: Array(1...200), maxHistory: 8)
        var settings = BaselineSettings(model: BaselineKind(rawValue: kind.rawValue)!)
        settings.training.epochs = 8     // HR@5 is 1.0 for both by then (measured); chance 0.25
        var c = ExperimentConfiguration()
        c.model = kind
        c.name = kind.rawValue
        c.data.evaluationProtocol = .sequential
        c.sequence.trainNegatives = 3
        let trainer = BaselineModelTrainer(settings: settings) { SequentialProtocol.samples(splits, $0, historyLength: nil) }
        func run(_ name: String) throws -> (RunResult, Predictions) {
            try trainer.run(c, in: RunDirectory(root: try Fixtures.temporaryDirectory(name), configuration: c), progress: ProgressLine(label: name, total: 1))
        }
        let (a, p) = try run("chain-\(kind.rawValue)-a")
        #expect(p.labels.count == 40 * 20 && a.rankingK == 5)
        #expect(a.testHitRate! > 0.8, "\(kind): HR@5 \(a.testHitRate!)")
        #expect(a.testNDCG! > 0.5 && a.testUAUC > 0.9)
        let (_, q) = try run("chain-\(kind.rawValue)-b")
        #expect(p == q)
    }
}
