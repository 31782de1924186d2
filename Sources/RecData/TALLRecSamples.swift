import SeededRandom

// Samples built as TALLRec built them for MovieLens-100K (Bao et al., RecSys 2023; REFERENCE.md
// section 5): label = rating > 3; for each rating, the user's previous `historyLength` ratings in
// time order form the history, split into liked (rating > 3) and disliked items; the last 10,000
// samples in time are kept and split 8:1:1 in time order into train, validation and test.
//
// Rules this port states (TALLRec's text leaves them open):
// - ties: ratings are ordered by (timestamp, user id, item id), both within a user's sequence and
//   across users;
// - a rating with fewer than `historyLength` earlier ratings of its user gives no sample (the
//   history is always full);
// - sample ids are positions in the time-ordered list of all samples before truncation, so an id
//   names the same (user, target) whatever the split sizes.

public struct InteractionSample: Sendable, Equatable {
    public var id: Int
    public var user: Int
    /// History items, oldest first, and their like labels.
    public var history: [Int]
    public var historyLiked: [Bool]
    public var target: Int
    /// 1 = like (rating > 3).
    public var label: Int
    public var timestamp: Int

    public var likedHistory: [Int] { zip(history, historyLiked).filter(\.1).map(\.0) }
    public var dislikedHistory: [Int] { zip(history, historyLiked).filter { !$0.1 }.map(\.0) }
}

public struct SampleSplits: Sendable, Equatable {
    public var train: [InteractionSample]
    public var validation: [InteractionSample]
    public var test: [InteractionSample]
}

public enum TALLRecSamples {
    public static func build(_ ratings: [Rating], historyLength: Int = 10, keepLast: Int = 10_000) -> SampleSplits {
        let ordered = ratings.sorted { ($0.timestamp, $0.user, $0.item) < ($1.timestamp, $1.user, $1.item) }
        var byUser: [Int: [Rating]] = [:]
        var all: [InteractionSample] = []
        for r in ordered {
            let previous = byUser[r.user, default: []]
            if previous.count >= historyLength {
                let h = previous.suffix(historyLength)
                all.append(InteractionSample(id: all.count, user: r.user, history: h.map(\.item), historyLiked: h.map { $0.rating > 3 },
                                             target: r.item, label: r.rating > 3 ? 1 : 0, timestamp: r.timestamp))
            }
            byUser[r.user, default: []].append(r)
        }
        let kept = Array(all.suffix(keepLast))
        let nTrain = kept.count * 8 / 10, nValid = kept.count / 10
        return SampleSplits(train: Array(kept[0..<nTrain]), validation: Array(kept[nTrain..<(nTrain + nValid)]),
                            test: Array(kept[(nTrain + nValid)...]))
    }

    /// K training samples drawn without replacement through the run's sampling stream, in draw
    /// order; the same seed gives every model the same K samples.
    public static func fewShot(_ train: [InteractionSample], k: Int, seed: UInt64) -> [InteractionSample] {
        var stream = SeedBook(seed: seed).stream(.sampling, "shots")
        return stream.sample(min(k, train.count), from: train.count).map { train[$0] }
    }
}
