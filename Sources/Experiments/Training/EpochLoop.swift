import ATFLRecModel
import Autograd
import Foundation
import Optimizers
import SeededRandom
import TensorCore

/// The training rules every LoRA model of the project shares (paper section III-4): Adam,
/// warm-up over `warmupSteps` optimizer steps from a tiny factor to the base rate then linear
/// decay to 0, batches of `batchSize` with incomplete batches dropped, gradient accumulation over
/// `gradientAccumulation` micro-batches (the count runs on across epochs, so every step sees
/// exactly that many), mean loss. After each epoch: the validation AUC, early stopping with
/// patience, and two checkpoints, `checkpoint.h5` (state to resume from, with the gradients of
/// an accumulation that an epoch ended inside) and, when validation AUC improved, `best.h5`.
/// A run restarted with the same configuration resumes from `checkpoint.h5` and ends with the
/// same bytes as an uninterrupted run. ATFLRecTrainer and SequentialTrainer supply what a
/// micro-batch's loss and the validation AUC are.
struct EpochLoop {
    let configuration: ExperimentConfiguration
    let runDirectory: URL
    let backboneName: String
    let backboneSHA256: String
    let parameters: [(String, Variable<Float>)]
    let backbone: SequenceBackbone
    /// Non-trainable state stored with the parameters (batch norm statistics).
    let buffers: () -> [Checkpoint.NamedArray]
    /// Copies a checkpoint's trained state into the model.
    let load: (Checkpoint) throws -> Void
    /// What the validation figure is called in the log line ("validation AUC").
    var validationName = "validation AUC"

    var checkpointPath: String { runDirectory.appendingPathComponent("checkpoint.h5").path }
    var bestPath: String { runDirectory.appendingPathComponent("best.h5").path }

    struct Summary {
        var epochs: Int
        var steps: Int
        var bestValidationAUC: Double
        var lossCurve: [Double]
        var aucCurve: [Double]
        /// The run's clock (every process's time so far): read it after the test evaluation.
        var clock: TrainingClock
        /// False when `epochLimit` stopped the run before its end.
        var finished: Bool
    }

    /// Trains `trainCount` examples: `loss(epoch, indices, tape)` is the mean loss of the
    /// micro-batch of those examples, `validationAUC()` the figure early stopping reads. At the
    /// end the best epoch's model is loaded.
    func run(trainCount: Int, epochLimit: Int?, progress: ProgressLine?,
             loss: (_ epoch: Int, _ indices: [Int], _ tape: Tape<Float>) throws -> Variable<Float>,
             validationAUC: () throws -> Double) throws -> Summary {
        var clock = TrainingClock(runDirectory: runDirectory)
        let t = configuration.training
        let microPerEpoch = trainCount / t.batchSize
        guard microPerEpoch > 0 else {
            throw ConfigurationError("training: \(trainCount) samples give no complete batch of \(t.batchSize)")
        }
        let totalSteps = t.epochs * microPerEpoch / t.gradientAccumulation
        let schedule = WarmupLinearDecay(warmupSteps: t.warmupSteps, totalSteps: totalSteps, startFactor: t.warmupStartFactor)
        var adam = Adam(configuration: AdamConfiguration(learningRate: t.learningRate, weightDecay: t.weightDecay),
                        variables: parameters)
        var shuffle = SeedBook(seed: configuration.seed).stream(.shuffling)
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
            try backbone.restoreRandomStates(c.randomStates.filter { $0.0 != "shuffle" })
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
            if let epochLimit, epochsThisInvocation >= epochLimit {
                return Summary(epochs: epoch, steps: step, bestValidationAUC: bestAUC, lossCurve: lossCurve, aucCurve: aucCurve,
                               clock: clock, finished: false)
            }
            var order = Array(0..<trainCount)
            shuffle.shuffle(&order)
            var lossSum = 0.0
            for b in 0..<microPerEpoch {
                let tape = Tape<Float>(recording: true, training: true)
                let batchLoss = try loss(epoch, Array(order[(b * t.batchSize)..<((b + 1) * t.batchSize)]), tape)
                lossSum += Double(batchLoss.value.scalar)
                // Mean over the accumulated micro-batches.
                tape.backward(tape.scale(batchLoss, 1 / Float(t.gradientAccumulation)))
                micro += 1
                if micro % t.gradientAccumulation == 0 {
                    adam.step(learningRate: schedule.learningRate(base: t.learningRate, step: step), variables: parameters)
                    for (_, p) in parameters { p.zeroGrad() }
                    step += 1
                }
                progress?.update(epoch * microPerEpoch + b + 1, detail: String(format: "epoch %d loss %.4f", epoch + 1, lossSum / Double(b + 1)))
            }
            let auc = try validationAUC()
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
            progress?.log(String(format: "%@ epoch %d: train loss %.4f, %@ %.4f%@", configuration.runName, epoch,
                                 lossCurve.last!, validationName, auc, bestEpoch == epoch - 1 ? " (best)" : ""))
        }

        // The best epoch's model is the one evaluated on the test split.
        try load(try Checkpoint.read(from: bestPath, expectBackboneSHA256: backboneSHA256))
        return Summary(epochs: epoch, steps: step, bestValidationAUC: bestAUC, lossCurve: lossCurve, aucCurve: aucCurve,
                       clock: clock, finished: true)
    }

    func snapshot(step: Int, epoch: Int, bestAUC: Double, bestEpoch: Int, adam: Adam, shuffle: RandomStream,
                  curves: ([Double], [Double])) -> Checkpoint {
        var c = Checkpoint(
            configuration: configuration, backboneName: backboneName, backboneSHA256: backboneSHA256,
            environment: RunEnvironment.current(threads: configuration.threads), step: step, epoch: epoch, bestValidationAUC: bestAUC,
            bestEpoch: bestEpoch, parameters: parameters.map { .init(name: $0.0, shape: $0.1.shape, values: $0.1.value.scalars) },
            buffers: buffers(), optimizer: adam.state, randomStates: [("shuffle", shuffle.state)] + backbone.randomStates)
        c.trainLossCurve = curves.0
        c.validationAUCCurve = curves.1
        return c
    }

    /// Copies a checkpoint's parameters into `parameters` by name (shapes checked).
    static func loadParameters(_ c: Checkpoint, into parameters: [(String, Variable<Float>)]) throws {
        let byName = Dictionary(uniqueKeysWithValues: c.parameters.map { ($0.name, $0) })
        for (name, p) in parameters {
            guard let stored = byName[name], stored.shape == p.shape else {
                throw ConfigurationError("checkpoint: parameter '\(name)' missing or of another shape")
            }
            p.value = Tensor(shape: stored.shape, scalars: stored.values)
        }
    }

    /// What a run stopped by `epochLimit` reports (no test evaluation).
    func placeholderResult() -> RunResult {
        RunResult(run: configuration.runName, configurationHash: configuration.hash(), testAUC: .nan, testUAUC: .nan, testLogLoss: .nan,
                  bestValidationAUC: .nan, epochsRun: 0, optimizerSteps: 0, wallSeconds: 0, trainSamplesPerSecond: 0, trainSampleIDs: [])
    }
}
