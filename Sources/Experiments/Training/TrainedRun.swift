import ATFLRecModel
import Foundation
import RecData
import TensorCore

/// A finished ATFLRec run directory opened for use: its resolved configuration, the model of
/// its `best.h5` (the checkpoint the test figures come from), ready to score samples.
/// `atflrec eval` and `atflrec predict` are built on it.
public struct TrainedRun {
    public let directory: URL
    public let setup: ATFLRecSetup
    public let trainer: ATFLRecTrainer

    public var configuration: ExperimentConfiguration { setup.configuration }

    public init(directory: URL, root: URL = URL(fileURLWithPath: ".")) throws {
        let configFile = directory.appendingPathComponent(RunDirectory.configurationFile)
        guard FileManager.default.fileExists(atPath: configFile.path) else {
            throw ConfigurationError("\(directory.path): not a run directory (no \(RunDirectory.configurationFile))")
        }
        let c = try ConfigurationLoader.resolve(file: configFile.path)
        guard c.model == .atflrec else {
            throw ConfigurationError("\(directory.path): a \(c.model.rawValue) run; this takes ATFLRec runs (eval also takes baseline and mllm-msr runs)")
        }
        self.directory = directory
        setup = try ATFLRecSetup(c, root: root)
        trainer = setup.trainer(runDirectory: directory)
        try trainer.loadModel()
    }

    /// Scores of a whole split ("test" or "validation", never subsampled) with its metrics.
    public func evaluate(split: String) throws -> (Predictions, TestEvaluation) {
        let all = try setup.splits(wholeValidation: true)
        let samples: [RecommendationSample]
        switch split {
        case "test": samples = all.test
        case "validation": samples = all.validation
        default: throw ConfigurationError("split '\(split)': expected test or validation")
        }
        let examples = samples.map(setup.example)
        let features = try setup.itemFeatures(examples)
        let bins = configuration.audio.numMelBins
        let scores = try trainer.scores(examples) { features[$0] ?? Tensor(zeros: [1, bins]) }
        let predictions = Predictions(sampleIDs: samples.map(\.id), users: samples.map(\.user), labels: samples.map(\.label), scores: scores)
        return (predictions, try TestEvaluation(predictions))
    }

    /// The like-probability of `item` for `user`, given the user's latest history in the data
    /// (ATFLRecSetup.latestSample); also the prompt as the model read it.
    public func predict(user: Int, item: Int) throws -> (score: Double, sample: RecommendationSample, promptTokens: Int) {
        guard setup.dataset.titles[item] != nil else {
            throw ConfigurationError("item \(item): not an item of dataset \(configuration.data.dataset)")
        }
        guard let sample = try setup.latestSample(user: user, target: item) else {
            throw ConfigurationError("user \(user): has no interactions in dataset \(configuration.data.dataset)")
        }
        let example = setup.example(sample)
        let features = try setup.itemFeatures([example])
        let bins = configuration.audio.numMelBins
        let score = try trainer.scores([example]) { features[$0] ?? Tensor(zeros: [1, bins]) }[0]
        return (score, sample, example.tokens.count)
    }
}

/// A finished mllm-msr run directory opened for `atflrec eval`: its configuration, its setup and
/// the model of its `best.h5`, scoring whole splits of the sequential protocol.
public struct TrainedSequentialRun {
    public let trainer: SequentialTrainer

    public var configuration: ExperimentConfiguration { trainer.setup.configuration }

    public init(directory: URL, root: URL = URL(fileURLWithPath: ".")) throws {
        let c = try ConfigurationLoader.resolve(file: directory.appendingPathComponent(RunDirectory.configurationFile).path)
        guard c.model == .mllmMSR else { throw ConfigurationError("\(directory.path): a \(c.model.rawValue) run, not mllm-msr") }
        trainer = SequentialTrainer(setup: try SequentialSetup(c, root: root), runDirectory: directory)
        try trainer.loadModel()
    }

    /// Every test user's (or every validation user's) candidates, scored.
    public func evaluate(split: String) throws -> (Predictions, TestEvaluation) {
        let cases: [SequentialCase]
        switch split {
        case "test": cases = trainer.setup.splits.test
        case "validation": cases = trainer.setup.splits.validation
        default: throw ConfigurationError("split '\(split)': expected test or validation")
        }
        let p = trainer.predictions(cases)
        return (p, try TestEvaluation(p))
    }

    /// The like-probability of `item` for `user` after all of the user's positives
    /// (SequentialProtocol.latestCase), with the case that was scored.
    /// `texts` are the item texts the model read (title and summary), history first.
    public func predict(user: Int, item: Int) throws -> (score: Double, case: SequentialCase, texts: [Int: String]) {
        let setup = trainer.setup
        guard setup.itemText[item] != nil else {
            throw ConfigurationError("item \(item): not an item of dataset \(configuration.data.dataset)")
        }
        guard let x = SequentialProtocol.latestCase(setup.splits, user: user, item: item, configuration) else {
            throw ConfigurationError("user \(user): not a user of the sequential protocol on \(configuration.data.dataset) (fewer than \(configuration.sequence.minimumLength) positives, or unknown)")
        }
        var texts: [Int: String] = [:]
        for i in x.history + [item] { texts[i] = setup.itemText[i] }
        return (1 / (1 + exp(-trainer.scores([x])[0].positive)), x, texts)
    }
}
