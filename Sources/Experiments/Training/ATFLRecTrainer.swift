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

/// Training as the paper states it (section III-4): Adam, warm-up over `warmupSteps` optimizer
/// steps from a tiny factor to the base rate then linear decay to 0, batches of `batchSize` with
/// incomplete batches dropped, gradient accumulation over `gradientAccumulation` micro-batches
/// (the count runs on across epochs, so every step sees exactly that many), mean BCE. After each
/// epoch: validation AUC, early stopping with patience, and two checkpoints, `checkpoint.h5`
/// (state to resume from) and, when validation AUC improved, `best.h5` (the model that is
/// finally evaluated on the test split). A run restarted with the same configuration resumes
/// from `checkpoint.h5` and ends with the same bytes as an uninterrupted run.
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

    var checkpointPath: String { runDirectory.appendingPathComponent("checkpoint.h5").path }
    var bestPath: String { runDirectory.appendingPathComponent("best.h5").path }

    public struct Outcome {
        public var result: RunResult
        public var predictions: Predictions
        /// False when `epochLimitForThisInvocation` stopped the run early (no test evaluation).
        public var finished: Bool
    }

    public func run(_ data: ATFLRecDataSplits, progress: ProgressLine? = nil) throws -> Outcome {
        var clock = TrainingClock(runDirectory: runDirectory)
        let t = configuration.training
        let microPerEpoch = data.train.count / t.batchSize
        guard microPerEpoch > 0 else {
            throw ConfigurationError("training: \(data.train.count) samples give no complete batch of \(t.batchSize)")
        }
        let totalSteps = t.epochs * microPerEpoch / t.gradientAccumulation
        let schedule = WarmupLinearDecay(warmupSteps: t.warmupSteps, totalSteps: totalSteps, startFactor: t.warmupStartFactor)
        let parameters = network.namedParameters
        var adam = Adam(configuration: AdamConfiguration(learningRate: t.learningRate, weightDecay: t.weightDecay),
                        variables: parameters)
        let seeds = SeedBook(seed: configuration.seed)
        var shuffle = seeds.stream(.shuffling)
        var epoch = 0, step = 0, bestAUC = -1.0, bestEpoch = -1, sinceBest = 0
        var resumedMicro: Int?
        var lossCurve: [Double] = [], aucCurve: [Double] = []

        if FileManager.default.fileExists(atPath: checkpointPath) {
            let c = try Checkpoint.read(from: checkpointPath, expectBackboneSHA256: backboneSHA256)
            guard c.configuration == configuration else {
                throw ConfigurationError("\(checkpointPath): made with another configuration")
            }
            try load(c)
            try adam.restore(c.optimizer)
            guard let shuffleState = c.randomStates.first(where: { $0.0 == "shuffle" })?.1 else {
                throw ConfigurationError("\(checkpointPath): random stream 'shuffle' missing")
            }
            shuffle = RandomStream(state: shuffleState)
            try network.backbone.restoreRandomStates(c.randomStates.filter { $0.0 != "shuffle" })
            epoch = c.epoch
            step = c.step
            // An epoch that ended inside an accumulation: the pending gradients and the phase.
            resumedMicro = c.microBatches
            let pending = Dictionary(uniqueKeysWithValues: c.accumulatedGradients.map { ($0.name, $0) })
            for (name, p) in parameters {
                guard let g = pending[name] else { continue }
                guard g.shape == p.shape else { throw ConfigurationError("\(checkpointPath): accumulated gradient '\(name)' has shape \(g.shape), the parameter \(p.shape)") }
                p.grad = Tensor(shape: g.shape, scalars: g.values)
            }
            bestAUC = c.bestValidationAUC
            bestEpoch = c.bestEpoch
            lossCurve = c.trainLossCurve
            aucCurve = c.validationAUCCurve
            sinceBest = epoch - 1 - bestEpoch
            try clock.resume(atEpoch: epoch)
            progress?.log("\(configuration.runName): resuming from checkpoint.h5 after epoch \(epoch) (\(ProgressLine.duration(clock.totalSeconds)) of training so far)")
        }

        var epochsThisInvocation = 0
        var micro = resumedMicro ?? step * t.gradientAccumulation
        while epoch < t.epochs && !(t.earlyStoppingPatience > 0 && sinceBest >= t.earlyStoppingPatience) {
            if let limit = epochLimitForThisInvocation, epochsThisInvocation >= limit {
                return Outcome(result: placeholderResult(), predictions: Predictions(sampleIDs: [], users: [], labels: [], scores: []), finished: false)
            }
            var order = Array(data.train.indices)
            shuffle.shuffle(&order)
            var lossSum = 0.0
            for b in 0..<microPerEpoch {
                let batch = order[(b * t.batchSize)..<((b + 1) * t.batchSize)].map { data.train[$0] }
                let tape = Tape<Float>(recording: true, training: true)
                let forward = network.forward(batch, fbank: data.fbank, on: tape)
                let loss = network.loss(forward, labels: batch.map(\.label), on: tape)
                lossSum += Double(loss.value.scalar)
                // Mean over the accumulated micro-batches.
                tape.backward(tape.scale(loss, 1 / Float(t.gradientAccumulation)))
                micro += 1
                if micro % t.gradientAccumulation == 0 {
                    adam.step(learningRate: schedule.learningRate(base: t.learningRate, step: step), variables: parameters)
                    for (_, p) in parameters { p.zeroGrad() }
                    step += 1
                }
                progress?.update(epoch * microPerEpoch + b + 1, detail: String(format: "epoch %d loss %.4f", epoch + 1, lossSum / Double(b + 1)))
            }
            let auc = try rocAUC(labels: data.validation.map { Int($0.label) }, scores: scores(data.validation, data.fbank))
            lossCurve.append(lossSum / Double(microPerEpoch))
            aucCurve.append(auc)
            if auc > bestAUC {
                bestAUC = auc
                bestEpoch = epoch
                sinceBest = 0
                try snapshot(step: step, epoch: epoch + 1, bestAUC: bestAUC, bestEpoch: bestEpoch, adam: adam, shuffle: shuffle,
                             curves: (lossCurve, aucCurve)).write(to: bestPath)
            } else {
                sinceBest += 1
            }
            epoch += 1
            epochsThisInvocation += 1
            var resumable = snapshot(step: step, epoch: epoch, bestAUC: bestAUC, bestEpoch: bestEpoch, adam: adam, shuffle: shuffle,
                                     curves: (lossCurve, aucCurve))
            if micro % t.gradientAccumulation != 0 {
                // The next epoch's first step also sums these micro-batches' gradients.
                resumable.microBatches = micro
                resumable.accumulatedGradients = parameters.compactMap { name, p in
                    p.grad.map { .init(name: name, shape: $0.shape, values: $0.scalars) }
                }
            }
            try resumable.write(to: checkpointPath)
            try clock.record(epoch: epoch)
            progress?.log(String(format: "%@ epoch %d: train loss %.4f, validation AUC %.4f%@", configuration.runName, epoch,
                                 lossCurve.last!, auc, bestEpoch == epoch - 1 ? " (best)" : ""))
        }

        // Evaluate the best epoch's model on the test split.
        try load(try Checkpoint.read(from: bestPath, expectBackboneSHA256: backboneSHA256))
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
        let wall = clock.totalSeconds
        let trained = Double(epoch * microPerEpoch * t.batchSize)
        var result = RunResult(
            run: configuration.runName, configurationHash: configuration.hash(), testAUC: evaluation.auc,
            testUAUC: evaluation.uauc, testLogLoss: evaluation.logLoss, bestValidationAUC: bestAUC, epochsRun: epoch, optimizerSteps: step,
            wallSeconds: wall, trainSamplesPerSecond: trained / max(wall, 1e-9), trainSampleIDs: data.train.map(\.sampleID))
        result.trainLossCurve = lossCurve
        result.validationAUCCurve = aucCurve
        result.resumedAtEpochs = clock.resumedAtEpochs
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

    func snapshot(step: Int, epoch: Int, bestAUC: Double, bestEpoch: Int, adam: Adam, shuffle: RandomStream,
                  curves: ([Double], [Double])) -> Checkpoint {
        var c = Checkpoint(
            configuration: configuration, backboneName: backboneName, backboneSHA256: backboneSHA256,
            environment: RunEnvironment.current(threads: configuration.threads), step: step, epoch: epoch, bestValidationAUC: bestAUC, bestEpoch: bestEpoch,
            parameters: network.namedParameters.map { .init(name: $0.0, shape: $0.1.shape, values: $0.1.value.scalars) },
            buffers: (network.audio?.namedBuffers ?? []).map { .init(name: $0.0, shape: $0.1.shape, values: $0.1.scalars) },
            optimizer: adam.state, randomStates: [("shuffle", shuffle.state)] + network.backbone.randomStates)
        c.trainLossCurve = curves.0
        c.validationAUCCurve = curves.1
        return c
    }

    /// Loads the trained model of a checkpoint file (default: the run's best.h5), after checking
    /// that it was made with this configuration and this backbone; used by `atflrec eval` and
    /// `atflrec predict`.
    public func loadModel(from path: String? = nil) throws {
        let path = path ?? bestPath
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigurationError("\(path): no checkpoint (train the run first)")
        }
        let c = try Checkpoint.read(from: path, expectBackboneSHA256: backboneSHA256)
        guard c.configuration == configuration else { throw ConfigurationError("\(path): made with another configuration") }
        try load(c)
    }

    /// Copies a checkpoint's parameters and buffers into the network (by name; shapes checked).
    func load(_ c: Checkpoint) throws {
        let byName = Dictionary(uniqueKeysWithValues: c.parameters.map { ($0.name, $0) })
        for (name, p) in network.namedParameters {
            guard let stored = byName[name], stored.shape == p.shape else {
                throw ConfigurationError("checkpoint: parameter '\(name)' missing or of another shape")
            }
            p.value = Tensor(shape: stored.shape, scalars: stored.values)
        }
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

    func placeholderResult() -> RunResult {
        RunResult(run: configuration.runName, configurationHash: configuration.hash(), testAUC: .nan, testUAUC: .nan,
                  testLogLoss: .nan, bestValidationAUC: .nan, epochsRun: 0, optimizerSteps: 0, wallSeconds: 0,
                  trainSamplesPerSecond: 0, trainSampleIDs: [])
    }
}
