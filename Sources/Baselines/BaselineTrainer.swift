// Training loop shared by the baselines (the paper's four and MF): Adam (Optimizers target, PyTorch numerics, L2 weight
// decay added to the gradient as torch.optim.Adam) at a constant learning rate on mean BCE over
// shuffled mini-batches of the K few-shot samples, validation AUC after every epoch, early stopping with patience, and the
// parameters of the best validation epoch restored at the end (RecBole's trainer: valid_metric
// AUC, stopping_step). Randomness: the sample order only, from the `.shuffling` stream.
// Each step: one tape, the batch's logits, mean BCE (Tape.bceWithLogits), backward, Adam over the
// model's named variables (Optimizers' AdamVariables).

import Autograd
import Evaluation
import Foundation
import Optimizers
import SeededRandom
import TensorCore

public struct BaselineTrainingConfig: Sendable, Equatable, Codable {
    public var epochs: Int = 300          // RecBole epochs (upper bound; early stopping ends sooner)
    public var batchSize: Int = 32        // few-shot: K/batch optimiser steps per epoch
    public var learningRate: Double = 1e-3  // RecBole learning_rate
    public var weightDecay: Double = 0    // Adam's L2 term (RecBole weight_decay; LightGCN reg_weight)
    public var patience: Int = 10         // RecBole stopping_step
    public init(epochs: Int = 300, batchSize: Int = 32, learningRate: Double = 1e-3, weightDecay: Double = 0,
                patience: Int = 10) {
        self.epochs = epochs; self.batchSize = batchSize; self.learningRate = learningRate
        self.weightDecay = weightDecay; self.patience = patience
    }
}

/// What one training run did, epoch by epoch.
public struct BaselineTrainingReport: Sendable, Equatable {
    public var trainingLoss: [Float] = []     // mean over the epoch's batches
    public var validationAUC: [Double] = []
    public var bestEpoch: Int = -1            // 0-based
    public var bestValidationAUC: Double = -1
}

public struct BaselineTrainingError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

public enum BaselineTrainer {
    /// Trains `model` in place and leaves it with the parameters of its best validation epoch.
    /// Throws when the training set is empty or the validation set lacks one of the two labels.
    public static func train(
        _ model: any SequenceScorer, training: [BaselineSample], validation: [BaselineSample],
        config: BaselineTrainingConfig, seeds: SeedBook
    ) throws -> BaselineTrainingReport {
        guard !training.isEmpty else { throw BaselineTrainingError(description: "\(model.name): no training samples") }
        guard config.batchSize > 0, config.epochs > 0 else {
            throw BaselineTrainingError(description: "\(model.name): batch size and epochs must be positive")
        }
        let validationLabels = validation.map { Int($0.label) }
        guard validationLabels.contains(0), validationLabels.contains(1) else {
            throw BaselineTrainingError(description: "\(model.name): validation set needs both labels for AUC")
        }
        var shuffle = seeds.stream(.shuffling)
        let parameters = model.namedParameters
        var adam = Adam(configuration: AdamConfiguration(learningRate: config.learningRate, weightDecay: config.weightDecay),
                        variables: parameters)
        var report = BaselineTrainingReport()
        var best = parameters.map(\.1.value)
        var order = Array(training.indices)
        for epoch in 0..<config.epochs {
            shuffle.shuffle(&order)
            var lossSum: Float = 0, batches = 0
            for start in stride(from: 0, to: order.count, by: config.batchSize) {
                let batch = order[start..<min(start + config.batchSize, order.count)].map { training[$0] }
                for (_, p) in parameters { p.zeroGrad() }
                let tape = Tape<Float>()
                let loss = tape.bceWithLogits(model.logits(batch, on: tape),
                                              targets: Tensor(shape: [batch.count], scalars: batch.map(\.label)))
                tape.backward(loss)
                adam.step(learningRate: config.learningRate, variables: parameters)
                lossSum += loss.value.scalar
                batches += 1
            }
            for (_, p) in parameters { p.zeroGrad() }
            report.trainingLoss.append(lossSum / Float(batches))
            let auc = try logitAUC(labels: validationLabels, logits: model.logits(validation))
            report.validationAUC.append(auc)
            if auc > report.bestValidationAUC {
                report.bestValidationAUC = auc
                report.bestEpoch = epoch
                best = parameters.map(\.1.value)
            } else if epoch - report.bestEpoch >= config.patience {
                break
            }
        }
        for ((_, p), value) in zip(parameters, best) { p.value = value }
        return report
    }
}

/// AUC of logits (Evaluation.rocAUC, scikit-learn-equal with ties).
func logitAUC(labels: [Int], logits: [Float]) throws -> Double {
    try rocAUC(labels: labels, scores: logits.map(Double.init))
}
