import Baselines
import Foundation
import SeededRandom
import TensorCore

/// Trains one of the four baselines on a run's splits under the shared scoring protocol
/// (Sources/Baselines/ScoringProtocol.swift) and reports it like an ATFLRec run.
/// Hyper-parameters come from the model's settings file (paper/configs/baselines/<model>.json).
public struct BaselineModelTrainer: ModelTrainer {
    public let settings: BaselineSettings
    public let splits: @Sendable (ExperimentConfiguration) throws -> RecommendationSplits

    public init(settings: BaselineSettings, splits: @escaping @Sendable (ExperimentConfiguration) throws -> RecommendationSplits) {
        self.settings = settings
        self.splits = splits
    }

    static func raw(_ s: RecommendationSample) -> RawInteractionSample {
        RawInteractionSample(user: s.user, history: s.history, target: s.target, label: Float(s.label))
    }

    public func run(_ configuration: ExperimentConfiguration, in runDirectory: RunDirectory,
                    progress: ProgressLine) throws -> (RunResult, Predictions) {
        guard settings.model.rawValue == configuration.model.rawValue else {
            throw ConfigurationError("baseline settings are for '\(settings.model.rawValue)', the run is '\(configuration.model.rawValue)'")
        }
        try runDirectory.prepare()
        configuration.pinNumerics()  // pinned, as for ATFLRec runs
        let data = try splits(configuration)
        let out = try BaselineRun.run(settings, training: data.train.map(Self.raw), validation: data.validation.map(Self.raw),
                                      test: data.test.map(Self.raw), seeds: SeedBook(seed: configuration.seed))
        let scores = out.testLogits.map { 1 / (1 + Foundation.exp(-Double($0))) }
        let predictions = Predictions(sampleIDs: data.test.map(\.id), users: data.test.map(\.user),
                                      labels: data.test.map(\.label), scores: scores)
        let evaluation = try TestEvaluation(predictions)
        var result = RunResult(
            run: configuration.runName, configurationHash: configuration.hash(), testAUC: evaluation.auc,
            testUAUC: evaluation.uauc, testLogLoss: evaluation.logLoss, bestValidationAUC: out.report.bestValidationAUC,
            epochsRun: out.report.validationAUC.count, optimizerSteps: 0, wallSeconds: out.wallSeconds,
            trainSamplesPerSecond: Double(data.train.count * out.report.validationAUC.count) / max(out.wallSeconds, 1e-9),
            trainSampleIDs: data.train.map(\.id))
        result.trainLossCurve = out.report.trainingLoss.map(Double.init)
        result.validationAUCCurve = out.report.validationAUC
        result.trainerSettingsSHA256 = settings.identity
        if configuration.isSequential { try SequentialProtocol.addRanking(to: &result, predictions, configuration) }
        // The model of the best validation epoch, in checkpoint schema v1 (no frozen backbone;
        // no optimizer state: a baseline run takes seconds and is re-run rather than resumed).
        var checkpoint = Checkpoint(
            configuration: configuration, backboneName: "none", backboneSHA256: "none", environment: ["swift": "6.3.1"],
            step: 0, epoch: result.epochsRun, bestValidationAUC: out.report.bestValidationAUC, bestEpoch: out.report.bestEpoch,
            parameters: out.model.parameterValues(),
            buffers: [], optimizer: [], randomStates: [])
        checkpoint.trainLossCurve = result.trainLossCurve
        checkpoint.validationAUCCurve = result.validationAUCCurve
        try checkpoint.write(to: runDirectory.bestCheckpoint.path)
        return (result, predictions)
    }
}

extension BaselineModelTrainer {
    /// The test predictions of a trained baseline from its checkpoint (`atflrec eval` on a
    /// published baseline model): the same splits and seeds as the run, the checkpoint's parameters.
    public func predictions(_ configuration: ExperimentConfiguration, checkpoint: Checkpoint) throws -> Predictions {
        guard checkpoint.configuration == configuration else { throw ConfigurationError("checkpoint: made with another configuration") }
        configuration.pinNumerics()
        let data = try splits(configuration)
        let logits = try BaselineRun.score(settings, training: data.train.map(Self.raw), test: data.test.map(Self.raw),
                                           seeds: SeedBook(seed: configuration.seed),
                                           parameters: checkpoint.parameters)
        return Predictions(sampleIDs: data.test.map(\.id), users: data.test.map(\.user), labels: data.test.map(\.label),
                           scores: logits.map { 1 / (1 + Foundation.exp(-Double($0))) })
    }
}
