import Foundation
import RecData

/// The samples a configuration trains and evaluates on: the dataset's TALLRec-style splits with
/// K training samples drawn by the run's seed (the same K for every model of a comparison).
public enum DatasetSplits {
    public static func load(_ c: ExperimentConfiguration, root: URL = URL(fileURLWithPath: ".")) throws -> RecommendationSplits {
        switch c.data.dataset {
        case "ml100k":
            let ml = try MovieLens100K.load(directory: root.appendingPathComponent(MovieLens100K.defaultDirectory).path)
            let s = TALLRecSamples.build(ml.ratings, historyLength: c.data.historyLength)
            let shots = TALLRecSamples.fewShot(s.train, k: c.data.shots, seed: c.seed)
            return RecommendationSplits(train: shots.map(convert), validation: s.validation.map(convert), test: s.test.map(convert))
        default:
            throw ConfigurationError("data.dataset '\(c.data.dataset)' is not available in this build (available: ml100k)")
        }
    }

    static func convert(_ s: InteractionSample) -> RecommendationSample {
        RecommendationSample(id: s.id, user: s.user, history: s.history, likedHistory: s.likedHistory, target: s.target, label: s.label)
    }
}
