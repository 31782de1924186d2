import ATFLRecModel
import Autograd
import Evaluation
import Foundation
import Optimizers
import SeededRandom
import TensorCore

/// The examples of one run, already tokenised, and the FBank lookup for their items.
public struct ATFLRecDataSplits {
    public var train: [ATFLRecExample]
    public var validation: [ATFLRecExample]
    public var test: [ATFLRecExample]
    /// User of each test example (for UAUC), parallel to `test`.
    public var testUsers: [Int]
    public var fbank: (Int) -> Tensor<Float>

    public init(train: [ATFLRecExample], validation: [ATFLRecExample], test: [ATFLRecExample], testUsers: [Int],
                fbank: @escaping (Int) -> Tensor<Float>) {
        self.train = train
        self.validation = validation
        self.test = test
        self.testUsers = testUsers
        self.fbank = fbank
    }
}

/// ATFLRec's training (the rules of EpochLoop: Adam, warm-up and decay, accumulation, early
/// stopping, `checkpoint.h5` and `best.h5`, resume to the same bytes) on its examples: a
/// micro-batch's loss is the mean BCE of its forward pass; the best epoch's model is then
/// evaluated on the test split.
public final class ATFLRecTrainer {
    public let network: ATFLRecNetwork
    public let configuration: ExperimentConfiguration
    public let runDirectory: URL
    public let backboneName: String
    public let backboneSHA256: String
    /// Stop after this many epochs of this invocation (tests use it to simulate a kill).
    public var epochLimitForThisInvocation: Int?
    /// Where to write intermediates.h5 for the test split (its forward pass gives the scores).
    public var intermediatesPath: String?
    /// How many items' FBank features intermediates.h5 carries (nil: all; see Intermediates).
    public var intermediatesFBankItems: Int?

    public init(network: ATFLRecNetwork, configuration: ExperimentConfiguration, runDirectory: URL,
                backboneName: String, backboneSHA256: String) {
        self.network = network
        self.configuration = configuration
        self.runDirectory = runDirectory
        self.backboneName = backboneName
        self.backboneSHA256 = backboneSHA256
    }

    public struct Outcome {
        public var result: RunResult
        public var predictions: Predictions
        /// False when `epochLimitForThisInvocation` stopped the run early (no test evaluation).
        public var finished: Bool
    }

    var loop: EpochLoop {
        EpochLoop(configuration: configuration, runDirectory: runDirectory, backboneName: backboneName, backboneSHA256: backboneSHA256,
                  parameters: network.namedParameters, backbone: network.backbone,
                  buffers: { (self.network.audio?.namedBuffers ?? []).map { .init(name: $0.0, shape: $0.1.shape, values: $0.1.scalars) } },
                  load: { try self.load($0) })
    }

    public func run(_ data: ATFLRecDataSplits, progress: ProgressLine? = nil) throws -> Outcome {
        let loop = self.loop
        let trained = try loop.run(trainCount: data.train.count, epochLimit: epochLimitForThisInvocation, progress: progress, loss: { _, indices, tape in
            let batch = indices.map { data.train[$0] }
            return self.network.loss(self.network.forward(batch, fbank: data.fbank, on: tape), labels: batch.map(\.label), on: tape)
        }, validationAUC: {
            try rocAUC(labels: data.validation.map { Int($0.label) }, scores: self.scores(data.validation, data.fbank))
        })
        guard trained.finished else {
            return Outcome(result: loop.placeholderResult(), predictions: Predictions(sampleIDs: [], users: [], labels: [], scores: []), finished: false)
        }
        let testScores: [Double]
        if let intermediatesPath {
            let logits = try Intermediates.write(network: network, configuration: configuration, examples: data.test,
                                                 fbank: data.fbank, fbankItems: intermediatesFBankItems, to: intermediatesPath)
            testScores = logits.map { 1 / (1 + exp(-Double($0))) }
        } else {
            testScores = try scores(data.test, data.fbank)
        }
        let labels = data.test.map { Int($0.label) }
        let predictions = Predictions(sampleIDs: data.test.map(\.sampleID), users: data.testUsers, labels: labels, scores: testScores)
        let evaluation = try TestEvaluation(predictions)
        let wall = trained.clock.totalSeconds
        let t = configuration.training
        let trainedSamples = Double(trained.epochs * (data.train.count / t.batchSize) * t.batchSize)
        var result = RunResult(
            run: configuration.runName, configurationHash: configuration.hash(), testAUC: evaluation.auc,
            testUAUC: evaluation.uauc, testLogLoss: evaluation.logLoss, bestValidationAUC: trained.bestValidationAUC, epochsRun: trained.epochs,
            optimizerSteps: trained.steps, wallSeconds: wall,
            trainSamplesPerSecond: trainedSamples / max(wall, 1e-9), trainSampleIDs: data.train.map(\.sampleID))
        result.trainLossCurve = trained.lossCurve
        result.validationAUCCurve = trained.aucCurve
        result.resumedAtEpochs = trained.clock.resumedAtEpochs
        if configuration.isSequential { try SequentialProtocol.addRanking(to: &result, predictions, configuration) }
        return Outcome(result: result, predictions: predictions, finished: true)
    }

    /// Sigmoid scores of `examples` in evaluation mode, in batches of the training batch size.
    public func scores(_ examples: [ATFLRecExample], _ fbank: (Int) -> Tensor<Float>) throws -> [Double] {
        var out: [Double] = []
        let size = configuration.training.batchSize
        let cache = network.audio == nil ? nil : network.evaluationItemVectors(examples.flatMap(\.audioItems), fbank: fbank)
        var i = 0
        while i < examples.count {
            let batch = Array(examples[i..<min(i + size, examples.count)])
            let logits = network.forward(batch, fbank: fbank, on: Tape(recording: false, training: false),
                                         cachedItemVectors: cache).logits.value
            out += logits.scalars.map { 1 / (1 + exp(-Double($0))) }
            i += size
        }
        return out
    }

    /// Loads the trained model of a checkpoint file (default: the run's best.h5), after checking
    /// that it was made with this configuration and this backbone; used by `atflrec eval` and
    /// `atflrec predict`.
    public func loadModel(from path: String? = nil) throws {
        let path = path ?? loop.bestPath
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigurationError("\(path): no checkpoint (train the run first)")
        }
        let c = try Checkpoint.read(from: path, expectBackboneSHA256: backboneSHA256)
        guard c.configuration == configuration else { throw ConfigurationError("\(path): made with another configuration") }
        try load(c)
    }

    /// Copies a checkpoint's parameters and buffers into the network (by name; shapes checked).
    func load(_ c: Checkpoint) throws {
        try EpochLoop.loadParameters(c, into: network.namedParameters)
        if let audio = network.audio {
            let buffers = Dictionary(uniqueKeysWithValues: c.buffers.map { ($0.name, $0) })
            let stats = audio.batchNorm.statistics
            guard let mean = buffers["audio_embedding.3.running_mean"], let variance = buffers["audio_embedding.3.running_var"] else {
                throw ConfigurationError("checkpoint: batch norm running statistics missing")
            }
            stats.runningMean = Tensor(shape: mean.shape, scalars: mean.values)
            stats.runningVar = Tensor(shape: variance.shape, scalars: variance.values)
        }
    }
}
