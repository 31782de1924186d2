import Baselines
import Evaluation
import RecData
import SeededRandom

// The ID baselines in issue 28's sequential protocol (GRU4Rec and SASRec rank, as MLLM-MSR's
// "basic SR models"): the same cases and candidates as model mllm-msr, through the baselines'
// own trainer (BaselineRun: vocabulary from the training samples, early stopping on the
// validation samples' AUC, BCE). Training samples are each training case's positive (label 1)
// with `trainNegatives` negatives (label 0) drawn as the mllm-msr trainer draws them for
// epoch 0; they stay fixed across epochs because BaselineTrainer owns the epochs (the one
// difference from mllm-msr, which draws again each epoch). Validation and test samples are
// each case's candidates, the positive first. Not yet reachable from a configuration (issue 28's
// profile is the next step); `rankingQuality` gives HR@K, NDCG@K and the candidate AUC.
public enum SequentialBaselines {
    public struct Outcome {
        /// Each test case's logits, the positive first.
        public var testLogits: [[Float]]
        public var ranking: RankingQuality
        public var bestValidationAUC: Double
        public var wallSeconds: Double
    }

    static func candidates(_ cases: [SequentialCase]) -> [RawInteractionSample] {
        cases.flatMap { c in
            ([c.target] + c.negatives).enumerated().map { j, item in
                RawInteractionSample(user: c.user, history: c.history, target: item, label: j == 0 ? 1 : 0)
            }
        }
    }

    public static func run(_ settings: BaselineSettings, splits: SequentialSplits, trainNegatives: Int, k: Int, seed: UInt64) throws -> Outcome {
        let training = splits.train.flatMap { c in
            [RawInteractionSample(user: c.user, history: c.history, target: c.target, label: 1)]
                + SequentialSamples.trainingNegatives(trainNegatives, for: c, epoch: 0, in: splits, seed: seed).map {
                    RawInteractionSample(user: c.user, history: c.history, target: $0, label: 0)
                }
        }
        let out = try BaselineRun.run(settings, training: training, validation: candidates(splits.validation),
                                      test: candidates(splits.test), seeds: SeedBook(seed: seed))
        var rows: [[Float]] = [], start = 0
        for c in splits.test {
            rows.append(Array(out.testLogits[start..<(start + c.negatives.count + 1)]))
            start += c.negatives.count + 1
        }
        let ranking = try rankingQuality(positiveScores: rows.map { Double($0[0]) }, negativeScores: rows.map { $0.dropFirst().map(Double.init) }, k: k)
        return Outcome(testLogits: rows, ranking: ranking, bestValidationAUC: out.report.bestValidationAUC, wallSeconds: out.wallSeconds)
    }
}
