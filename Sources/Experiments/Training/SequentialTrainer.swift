import ATFLRecModel
import Autograd
import Evaluation
import Foundation
import Optimizers
import RecData
import SeededRandom
import TensorCore
import TextModels

// Model mllm-msr (issue 28): the MLLM-MSR adaptation (ATFLRecModel/RecurrentPreferenceNetwork)
// trained and evaluated in the sequential protocol (RecData/SequentialSamples). One training
// case is a user's history and a positive target; each epoch pairs it with the
// `sequence.trainNegatives` negatives drawn once (SequentialProtocol.trainingCandidates: the
// same training samples as every other model of the protocol), all scored against one
// preference vector (the history is encoded once per case). The training rules are ATFLRec's
// (EpochLoop: Adam, warm-up and decay, accumulation, `checkpoint.h5`, `best.h5`, resume to the
// same bytes), with batches of `training.batchSize` cases and early stopping on the validation
// users' mean candidate AUC.
//
// The test split is every kept user's last positive among its `sequence.negatives` candidates:
// predictions.csv has one row per (user, candidate) with sample id = user's index x (N + 1) +
// candidate index (0 = the positive); result.json adds HR@K and NDCG@K to AUC (pooled over the
// rows), UAUC (each user's own candidates: the protocol's AUC) and log loss.

/// Everything a mllm-msr configuration needs: samples, item texts, tokenizer, network.
public final class SequentialSetup {
    public let configuration: ExperimentConfiguration
    public let network: RecurrentPreferenceNetwork
    public let splits: SequentialSplits
    public let prompts: SequentialPrompts
    public let backboneName: String
    public let backboneSHA256: String
    let tokenizer: any TextTokenizer
    /// Token ids of each item's candidate text.
    let candidateTokens: [Int: [Int]]
    let itemText: [Int: String]

    public init(_ c: ExperimentConfiguration, root: URL = URL(fileURLWithPath: ".")) throws {
        configuration = c
        c.pinNumerics()
        let modelDirectory = c.text.modelPath.isEmpty ? ATFLRecSetup.defaultModelDirectory(root: root) : c.text.modelPath
        tokenizer = try loadTokenizer(directory: modelDirectory)
        let encoder = try BertEncoder(directory: modelDirectory)
        backboneName = URL(fileURLWithPath: modelDirectory).lastPathComponent
        backboneSHA256 = try SHA256Hex.ofFile(modelDirectory + "/model.safetensors")
        let seeds = SeedBook(seed: c.seed)
        let backbone = try LoRABackbone(encoder: encoder, adapters: RecurrentPreferenceNetwork.adapterNames, rank: c.lora.rank,
                                        alpha: c.lora.alpha, dropout: c.lora.dropout, targets: c.lora.targets, seeds: seeds)
        var initRandom = seeds.stream(.initialization)
        let q = c.sequence
        network = RecurrentPreferenceNetwork(backbone: backbone, representation: c.text.representation == .firstToken ? .firstToken : .maskedMean,
                                             gradientBlocks: q.gradientBlocks == 0 ? nil : q.gradientBlocks, random: &initRandom)
        let dataset = try DatasetSplits.dataset(c, root: root)
        splits = try SequentialProtocol.splits(c, dataset: dataset)
        let descriptors = q.summaryPhrases > 0 ? try ItemSummaries.load(dataset, root: root, workers: max(1, c.threads)) : [:]
        var texts: [Int: String] = [:]
        for item in dataset.items {
            texts[item] = ItemSummaries.itemText(title: dataset.title(item), descriptors: descriptors[item], phrases: q.summaryPhrases)
        }
        itemText = texts
        prompts = try SequentialPrompts(blockSize: q.blockSize)
        var tokens: [Int: [Int]] = [:]
        for item in dataset.items {
            tokens[item] = tokenizer.encode(prompts.candidateText(item, item: { texts[$0]! }), maxLength: c.text.maxLength)
        }
        candidateTokens = tokens
    }

    /// The token ids of a history's blocks, oldest first.
    public func blockTokens(_ history: [Int]) -> [[Int]] {
        prompts.blocks(history).map {
            tokenizer.encode(prompts.blockText($0, item: { self.itemText[$0]! }), maxLength: configuration.text.maxLength)
        }
    }

    /// The validation cases early stopping reads (SequentialProtocol.validationCases).
    public func validationCases() -> [SequentialCase] { SequentialProtocol.validationCases(splits, configuration) }
}

public final class SequentialTrainer {
    public let setup: SequentialSetup
    public let runDirectory: URL
    /// Stop after this many epochs of this invocation (tests use it to simulate a kill).
    public var epochLimitForThisInvocation: Int?
    var configuration: ExperimentConfiguration { setup.configuration }
    var network: RecurrentPreferenceNetwork { setup.network }

    public init(setup: SequentialSetup, runDirectory: URL) {
        self.setup = setup
        self.runDirectory = runDirectory
    }

    /// Logits [cases x candidates] of each case's candidates (row-major), each case's history
    /// encoded once. `candidates[i]` are case i's items.
    func logits(_ cases: [SequentialCase], candidates: [[Int]], on tape: Tape<Float>) -> Variable<Float> {
        let histories = cases.map { PreferenceExample(sampleID: 0, blocks: setup.blockTokens($0.history), candidate: [], label: 0) }
        let preferences = network.preferences(histories, on: tape)                                 // [cases, C]
        let rows = candidates.enumerated().flatMap { i, items in [Int](repeating: i, count: items.count) }
        let repeated = tape.embedding(preferences, ids: rows)                                      // [rows, C]
        return network.logits(candidates: candidates.flatMap { $0.map { setup.candidateTokens[$0]! } }, preferences: repeated, on: tape)
    }

    /// Per case: the positive's logit and its negatives' logits (evaluation mode).
    func scores(_ cases: [SequentialCase]) -> [(positive: Double, negatives: [Double])] {
        var out: [(Double, [Double])] = []
        let size = configuration.training.batchSize
        var start = 0
        while start < cases.count {
            let batch = Array(cases[start..<min(start + size, cases.count)])
            let candidates = batch.map { [$0.target] + $0.negatives }
            let v = logits(batch, candidates: candidates, on: Tape(recording: false, training: false)).value.scalars
            var k = 0
            for c in candidates {
                let row = v[k..<(k + c.count)].map(Double.init)
                out.append((row[0], Array(row.dropFirst())))
                k += c.count
            }
            start += size
        }
        return out
    }

    public struct Outcome {
        public var result: RunResult
        public var predictions: Predictions
        /// Nil when the run stopped early.
        public var ranking: RankingQuality?
        /// False when `epochLimitForThisInvocation` stopped the run early (no test evaluation).
        public var finished: Bool
    }

    var loop: EpochLoop {
        var loop = EpochLoop(configuration: configuration, runDirectory: runDirectory, backboneName: setup.backboneName,
                             backboneSHA256: setup.backboneSHA256, parameters: network.namedParameters, backbone: network.backbone,
                             buffers: { [] }, load: { try self.load($0) })
        loop.validationName = "validation candidate AUC"
        return loop
    }

    public func run(progress: ProgressLine? = nil) throws -> Outcome {
        let q = configuration.sequence, loop = self.loop
        let train = setup.splits.train, validation = setup.validationCases()
        let trained = try loop.run(trainCount: train.count, epochLimit: epochLimitForThisInvocation, progress: progress, loss: { _, indices, tape in
            let batch = indices.map { train[$0] }
            let candidates = batch.map { SequentialProtocol.trainingCandidates($0, in: self.setup.splits, self.configuration) }
            let labels = candidates.flatMap { c in [Float(1)] + [Float](repeating: 0, count: c.count - 1) }
            return self.network.loss(self.logits(batch, candidates: candidates, on: tape), labels: labels, on: tape)
        }, validationAUC: {
            let v = self.scores(validation)
            return try rankingQuality(positiveScores: v.map(\.positive), negativeScores: v.map(\.negatives), k: q.rankingK).auc
        })
        guard trained.finished else {
            return Outcome(result: loop.placeholderResult(), predictions: Predictions(sampleIDs: [], users: [], labels: [], scores: []),
                           ranking: nil, finished: false)
        }
        let predictions = predictions(setup.splits.test)
        let evaluation = try TestEvaluation(predictions)
        let wall = trained.clock.totalSeconds, t = configuration.training
        var result = RunResult(
            run: configuration.runName, configurationHash: configuration.hash(), testAUC: evaluation.auc, testUAUC: evaluation.uauc,
            testLogLoss: evaluation.logLoss, bestValidationAUC: trained.bestValidationAUC, epochsRun: trained.epochs, optimizerSteps: trained.steps,
            wallSeconds: wall, trainSamplesPerSecond: Double(trained.epochs * (train.count / t.batchSize) * t.batchSize) / max(wall, 1e-9),
            trainSampleIDs: [])
        result.trainLossCurve = trained.lossCurve
        result.validationAUCCurve = trained.aucCurve
        result.resumedAtEpochs = trained.clock.resumedAtEpochs
        // From the stored predictions, as for every model of the protocol (sigmoid keeps the order).
        let ranking = try SequentialProtocol.ranking(predictions, negatives: q.negatives, k: q.rankingK)
        try SequentialProtocol.addRanking(to: &result, predictions, configuration)
        return Outcome(result: result, predictions: predictions, ranking: ranking, finished: true)
    }

    /// Sigmoid scores of `cases`' candidates in the protocol's layout (SequentialProtocol: case
    /// i's candidate j has sample id i x (N + 1) + j, the positive first).
    public func predictions(_ cases: [SequentialCase]) -> Predictions {
        let width = configuration.sequence.negatives + 1
        var predictions = Predictions(sampleIDs: [], users: [], labels: [], scores: [])
        for (i, (c, row)) in zip(cases, scores(cases)).enumerated() {
            for (j, logit) in ([row.positive] + row.negatives).enumerated() {
                predictions.sampleIDs.append(i * width + j)
                predictions.users.append(c.user)
                predictions.labels.append(j == 0 ? 1 : 0)
                predictions.scores.append(1 / (1 + exp(-logit)))
            }
        }
        return predictions
    }

    /// Loads the trained model of the run's best.h5 (`atflrec eval` of an mllm-msr run), after
    /// checking that it was made with this configuration and this backbone.
    public func loadModel() throws {
        let path = loop.bestPath
        guard FileManager.default.fileExists(atPath: path) else { throw ConfigurationError("\(path): no checkpoint (train the run first)") }
        let c = try Checkpoint.read(from: path, expectBackboneSHA256: setup.backboneSHA256)
        guard c.configuration == configuration else { throw ConfigurationError("\(path): made with another configuration") }
        try load(c)
    }

    func load(_ c: Checkpoint) throws {
        try EpochLoop.loadParameters(c, into: network.namedParameters)
    }
}

/// `atflrec train` for model mllm-msr: the setup, then the trainer (resuming from the run
/// directory's checkpoint when there is one).
public struct SequentialModelTrainer: ModelTrainer {
    public let root: URL

    public init(root: URL = URL(fileURLWithPath: ".")) { self.root = root }

    public func run(_ c: ExperimentConfiguration, in runDirectory: RunDirectory, progress: ProgressLine) throws -> (RunResult, Predictions) {
        try runDirectory.prepare()
        let outcome = try SequentialTrainer(setup: try SequentialSetup(c, root: root), runDirectory: runDirectory.url).run(progress: progress)
        return (outcome.result, outcome.predictions)
    }
}
