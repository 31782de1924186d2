import Foundation
import RecData

/// The samples a configuration trains and evaluates on: the dataset's TALLRec-style splits with
/// K training samples drawn by the run's seed (the same K for every model of a comparison).
public enum DatasetSplits {
    /// The dataset a configuration names (data.dataset, data.preset, data.historyLength).
    public static func dataset(_ c: ExperimentConfiguration, root: URL = URL(fileURLWithPath: ".")) throws -> RecDataset {
        try RecDataset.load(name: c.data.dataset, preset: c.data.preset, historyLength: c.data.historyLength, root: root)
    }

    /// The samples of `c`; in the sequential protocol its cases as samples, whole histories
    /// (what the ID baselines read; ATFLRecSetup.splits cuts them to data.historyLength).
    public static func load(_ c: ExperimentConfiguration, root: URL = URL(fileURLWithPath: ".")) throws -> RecommendationSplits {
        let d = try dataset(c, root: root)
        guard c.isSequential else { return splits(of: d, c) }
        return SequentialProtocol.samples(try SequentialProtocol.splits(c, dataset: d), c, historyLength: nil)
    }

    public static func splits(of dataset: RecDataset, _ c: ExperimentConfiguration) -> RecommendationSplits {
        let s = dataset.samples
        let shots = TALLRecSamples.fewShot(s.train, k: c.data.shots, seed: c.seed)
        return RecommendationSplits(train: shots.map(convert), validation: s.validation.map(convert), test: s.test.map(convert))
    }

    static func convert(_ s: InteractionSample) -> RecommendationSample {
        RecommendationSample(id: s.id, user: s.user, history: s.history, likedHistory: s.likedHistory, target: s.target, label: s.label)
    }
}
