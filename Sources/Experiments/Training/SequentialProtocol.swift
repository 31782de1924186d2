import Evaluation
import Foundation
import RecData
import SeededRandom

// Issue 28's sequential protocol for every model that runs in it, on ml100k or synthlens (data.protocol = sequential):
// the cases of RecData/SequentialSamples built from a configuration, the labelled samples the
// pointwise models (ATFLRec, GRU4Rec, SASRec) train and are scored on, and HR@K, NDCG@K and
// the candidate AUC read back from a run's predictions. Model mllm-msr uses the same cases and
// the same training negatives (SequentialTrainer), so every row of a sequential table is
// trained on the same positives and negatives and ranks the same candidates.
//
// Sample ids. Training: case i's candidate j (0 = the positive, then its negatives) is
// i x (trainNegatives + 1) + j. Validation and test: case i's candidate j (0 = the held-out
// positive, then its `sequence.negatives` sampled items) is i x (negatives + 1) + j, cases in
// user order; predictions.csv keeps them, so a reader regroups a user's candidates as
// id / (negatives + 1).

public enum SequentialProtocol {
    /// The cases of configuration `c` over `dataset`'s time-stamped ratings and catalogue:
    /// `sequence`'s lengths and negatives, the validation and test candidates from candidate
    /// seed 0 (the same for every model and seed), training positions by the run's seed.
    public static func splits(_ c: ExperimentConfiguration, dataset: RecDataset) throws -> SequentialSplits {
        guard !dataset.ratings.isEmpty else {
            throw ConfigurationError("data.dataset '\(c.data.dataset)': no time-stamped ratings to order (the sequential protocol runs on ml100k and synthlens)")
        }
        let q = c.sequence
        return try SequentialSamples.build(dataset.ratings, catalogue: dataset.items, minimumLength: q.minimumLength, maxHistory: q.maxHistory,
                                           negatives: q.negatives, candidateSeed: 0,
                                           trainPositionsPerUser: q.trainPositionsPerUser == 0 ? nil : q.trainPositionsPerUser, seed: c.seed)
    }

    /// The validation cases early stopping reads: every kept user's, or training.validationSamples
    /// users drawn by the run's seed (the same users for every model of a seed).
    public static func validationCases(_ splits: SequentialSplits, _ c: ExperimentConfiguration) -> [SequentialCase] {
        let all = splits.validation, n = c.training.validationSamples
        guard n > 0 && n < all.count else { return all }
        var stream = SeedBook(seed: c.seed).stream(.sampling, "validation")
        return stream.sample(n, from: all.count).sorted().map { all[$0] }
    }

    /// A training case's candidates: its positive, then `sequence.trainNegatives` unrated items
    /// drawn once by the run's seed (epoch 0's stream of that user and position).
    public static func trainingCandidates(_ example: SequentialCase, in splits: SequentialSplits, _ c: ExperimentConfiguration) -> [Int] {
        [example.target] + SequentialSamples.trainingNegatives(c.sequence.trainNegatives, for: example, epoch: 0, in: splits, seed: c.seed)
    }

    /// The protocol's cases as labelled samples (ids as in the file header). Every history item
    /// is a positive, so `likedHistory` is the history; `historyLength` keeps the last that many
    /// (ATFLRec reads `data.historyLength`, as in the few-shot protocol; nil: the whole case).
    public static func samples(_ splits: SequentialSplits, _ c: ExperimentConfiguration, historyLength: Int?) -> RecommendationSplits {
        func candidates(_ cases: [SequentialCase]) -> [RecommendationSample] {
            cases.enumerated().flatMap { i, x in
                ([x.target] + x.negatives).enumerated().map { j, item in
                    Self.sample(x, id: i * (c.sequence.negatives + 1) + j, item: item, label: j == 0 ? 1 : 0, historyLength: historyLength)
                }
            }
        }
        let width = c.sequence.trainNegatives + 1
        let train = splits.train.enumerated().flatMap { i, x in
            trainingCandidates(x, in: splits, c).enumerated().map { j, item in
                Self.sample(x, id: i * width + j, item: item, label: j == 0 ? 1 : 0, historyLength: historyLength)
            }
        }
        return RecommendationSplits(train: train, validation: candidates(validationCases(splits, c)), test: candidates(splits.test))
    }

    /// One candidate of a case as a labelled sample: the history (its last `historyLength`
    /// items, nil: all of them), every item of it liked, and `item` as the target.
    public static func sample(_ x: SequentialCase, id: Int, item: Int, label: Int, historyLength: Int?) -> RecommendationSample {
        let history = historyLength.map { Array(x.history.suffix($0)) } ?? x.history
        return RecommendationSample(id: id, user: x.user, history: history, likedHistory: history, target: item, label: label)
    }

    /// The case that scores `item` for `user` after all of the user's positives (`atflrec
    /// predict` on a sequential run): the history is the user's latest `sequence.maxHistory`
    /// positives, i.e. its test case's history followed by its test target; nil for a user the
    /// protocol does not keep.
    public static func latestCase(_ splits: SequentialSplits, user: Int, item: Int, _ c: ExperimentConfiguration) -> SequentialCase? {
        guard let test = splits.test.first(where: { $0.user == user }) else { return nil }
        return SequentialCase(user: user, history: Array((test.history + [test.target]).suffix(c.sequence.maxHistory)), target: item,
                              negatives: [], position: test.position + 1)
    }

    /// HR@K, NDCG@K and the candidate AUC of test predictions in the protocol's layout: rows in
    /// cases of `negatives + 1`, each case's held-out positive first (checked by id and label).
    public static func ranking(_ p: Predictions, negatives: Int, k: Int) throws -> RankingQuality {
        let width = negatives + 1
        guard !p.sampleIDs.isEmpty, p.sampleIDs.count % width == 0 else {
            throw MetricError("sequential predictions: \(p.sampleIDs.count) rows, not a positive multiple of \(width) candidates")
        }
        var positives: [Double] = [], others: [[Double]] = []
        for start in stride(from: 0, to: p.sampleIDs.count, by: width) {
            for j in 0..<width where p.sampleIDs[start + j] != start + j || p.labels[start + j] != (j == 0 ? 1 : 0) {
                throw MetricError("sequential predictions: row \(start + j) has sample id \(p.sampleIDs[start + j]) and label "
                                  + "\(p.labels[start + j]); expected id \(start + j), label \(j == 0 ? 1 : 0)")
            }
            positives.append(p.scores[start])
            others.append(Array(p.scores[(start + 1)..<(start + width)]))
        }
        return try rankingQuality(positiveScores: positives, negativeScores: others, k: k)
    }

    /// Adds `sequence.rankingK`, HR@K and NDCG@K of `p` to a run's result.
    public static func addRanking(to result: inout RunResult, _ p: Predictions, _ c: ExperimentConfiguration) throws {
        let r = try ranking(p, negatives: c.sequence.negatives, k: c.sequence.rankingK)
        result.rankingK = r.k
        result.testHitRate = r.hitRate
        result.testNDCG = r.ndcg
    }
}
