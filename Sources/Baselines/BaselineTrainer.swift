// Training loop shared by the four baselines: Adam on mean BCE over shuffled mini-batches of the
// K few-shot samples, validation AUC after every epoch, early stopping with patience, and the
// parameters of the best validation epoch restored at the end (RecBole's trainer: valid_metric
// AUC, stopping_step). Randomness: the sample order only, from the `.shuffling` stream.

import Foundation
import SeededRandom

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
    public static func train<M: SequenceScorer>(
        _ model: inout M, training: [BaselineSample], validation: [BaselineSample],
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
        var adam = AdamState(parameters: model.parameters, config: config)
        var report = BaselineTrainingReport()
        var best = model.parameters
        var order = Array(training.indices)
        for epoch in 0..<config.epochs {
            shuffle.shuffle(&order)
            var lossSum: Float = 0, batches = 0
            for start in stride(from: 0, to: order.count, by: config.batchSize) {
                let batch = order[start..<min(start + config.batchSize, order.count)].map { training[$0] }
                let (_, loss, gradients) = model.lossAndGradients(batch)
                adam.step(&model.parameters, gradients: gradients)
                lossSum += loss
                batches += 1
            }
            report.trainingLoss.append(lossSum / Float(batches))
            let auc = rocAUC(labels: validationLabels, scores: model.logits(validation))
            report.validationAUC.append(auc)
            if auc > report.bestValidationAUC {
                report.bestValidationAUC = auc
                report.bestEpoch = epoch
                best = model.parameters
            } else if epoch - report.bestEpoch >= config.patience {
                break
            }
        }
        model.parameters = best
        return report
    }
}

/// Adam (Kingma & Ba 2015) with L2 weight decay folded into the gradient, PyTorch's update order:
/// m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
/// NOTE: local minimal step until the shared Optimizers target is on main; to be replaced by it.
struct AdamState {
    var m: [[Float]], v: [[Float]]
    var t = 0
    let lr: Double, wd: Float
    let beta1 = 0.9, beta2 = 0.999, eps = 1e-8

    init(parameters: ParameterSet, config: BaselineTrainingConfig) {
        m = parameters.values.map { [Float](repeating: 0, count: $0.count) }
        v = m
        lr = config.learningRate
        wd = Float(config.weightDecay)
    }

    mutating func step(_ parameters: inout ParameterSet, gradients: ParameterSet) {
        t += 1
        let c1 = 1 - Foundation.pow(beta1, Double(t)), c2 = 1 - Foundation.pow(beta2, Double(t))
        let stepSize = Float(lr / c1), root = Float(c2.squareRoot())
        let b1 = Float(beta1), b2 = Float(beta2), e = Float(eps)
        for k in parameters.values.indices {
            for i in parameters.values[k].indices {
                let g = gradients.values[k][i] + wd * parameters.values[k][i]
                m[k][i] += (1 - b1) * (g - m[k][i])
                v[k][i] = b2 * v[k][i] + (1 - b2) * g * g
                parameters.values[k][i] -= stepSize * m[k][i] / (v[k][i].squareRoot() / root + e)
            }
        }
    }
}

/// Area under the ROC curve with ties counted one half (the Mann-Whitney statistic with mid-ranks,
/// equal to scikit-learn's roc_auc_score). Needs both labels.
/// NOTE: local until the shared Evaluation target is on main; to be replaced by its rocAUC.
func rocAUC(labels: [Int], scores: [Float]) -> Double {
    let order = scores.indices.sorted { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    var rankSumPositive = 0.0
    var i = 0
    while i < order.count {
        var j = i
        while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
        let midRank = Double(i + j) / 2 + 1
        for k in i...j where labels[order[k]] == 1 { rankSumPositive += midRank }
        i = j + 1
    }
    let positives = Double(labels.filter { $0 == 1 }.count)
    let negatives = Double(labels.count) - positives
    return (rankSumPositive - positives * (positives + 1) / 2) / (positives * negatives)
}
