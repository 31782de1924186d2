import SeededRandom

// The sequential protocol of issue 28 (MLLM-MSR, "the datasets were preprocessed to ensure user
// history sequences met minimum length criteria, and negative sampling was implemented during
// training and evaluation"; the leave-last-out split of SASRec, Kang and McAuley, ICDM 2018):
//
// - A user's sequence is their positives in time order: ratings > 3, the paper's like label
//   (TALLRecSamples), ordered by (timestamp, item id). Disliked items are not part of it.
// - Users with fewer than `minimumLength` positives are left out (default 5: one test target,
//   one validation target and at least three earlier positives to learn from).
// - Test: the last positive, with every earlier positive as its history; validation: the
//   second-last, with the positives before it; training: each earlier position t >= 1 (a target
//   with at least one item before it), its history the positives before it. Histories keep
//   their last `maxHistory` items.
// - Negatives are items the user never rated (any rating: a disliked item is known, not
//   unobserved), drawn without replacement, uniformly, from the catalogue's remaining items in
//   ascending id order. The validation and test candidates come from `candidateSeed` alone, so
//   every model and every training seed sees the same candidates; training negatives come from
//   the training seed, one stream per user and epoch (`trainingNegatives`).
// - `trainPositionsPerUser` keeps at most that many training positions per user, drawn through
//   the training seed's sampling stream (issue 28, point 5: the compute budget), in time order.

/// One scored case: a user's history and a target with its sampled negatives.
public struct SequentialCase: Sendable, Equatable {
    public var user: Int
    /// Positives before the target, oldest first (at most `maxHistory`).
    public var history: [Int]
    public var target: Int
    /// Sampled items the user never rated; empty for training cases (drawn per epoch).
    public var negatives: [Int]
    /// The target's position in the user's positive sequence (0 = first positive).
    public var position: Int

    public init(user: Int, history: [Int], target: Int, negatives: [Int], position: Int) {
        self.user = user
        self.history = history
        self.target = target
        self.negatives = negatives
        self.position = position
    }
}

public struct SequentialSplits: Sendable, Equatable {
    public var train: [SequentialCase]
    public var validation: [SequentialCase]
    public var test: [SequentialCase]
    /// Users kept (at least `minimumLength` positives) and left out.
    public var users: Int
    public var usersLeftOut: Int
    /// Items each kept user rated (any rating), sorted: what negatives are never drawn from.
    public var rated: [Int: [Int]]
    /// Every item id of the catalogue, ascending.
    public var catalogue: [Int]
}

public enum SequentialSamples {
    public static let defaultMinimumLength = 5
    /// 19 negatives: each test user ranks 20 candidates (chance HR@5 = 0.25). Models that encode
    /// each candidate with the user's prompt (ATFLRec) pay one encoder pass per candidate, which
    /// is what keeps N this small.
    public static let defaultNegatives = 19

    public static func build(_ ratings: [Rating], catalogue: [Int], minimumLength: Int = defaultMinimumLength,
                             maxHistory: Int = 20, negatives: Int = defaultNegatives, candidateSeed: UInt64 = 0,
                             trainPositionsPerUser: Int? = nil, seed: UInt64 = 0) throws -> SequentialSplits {
        guard minimumLength >= 3 else {
            throw DataError("sequential samples: minimumLength \(minimumLength), expected at least 3 (test, validation, one training target)")
        }
        guard maxHistory >= 1 else { throw DataError("sequential samples: maxHistory \(maxHistory), expected at least 1") }
        guard negatives >= 1 else { throw DataError("sequential samples: negatives \(negatives), expected at least 1") }
        if let t = trainPositionsPerUser, t < 1 {
            throw DataError("sequential samples: trainPositionsPerUser \(t), expected at least 1")
        }
        let items = catalogue.sorted()
        let itemSet = Set(items)
        var byUser: [Int: [Rating]] = [:]
        for r in ratings {
            guard itemSet.contains(r.item) else { throw DataError("sequential samples: rating of user \(r.user) names item \(r.item), not in the catalogue") }
            byUser[r.user, default: []].append(r)
        }
        var splits = SequentialSplits(train: [], validation: [], test: [], users: 0, usersLeftOut: 0, rated: [:], catalogue: items)
        var sampling = SeedBook(seed: seed).stream(.sampling, "sequential-positions")
        for user in byUser.keys.sorted() {
            let all = byUser[user]!
            let positives = all.filter { $0.rating > 3 }.sorted { ($0.timestamp, $0.item) < ($1.timestamp, $1.item) }.map(\.item)
            guard positives.count >= minimumLength else { splits.usersLeftOut += 1; continue }
            let rated = Array(Set(all.map(\.item))).sorted()
            guard items.count - rated.count >= negatives else {
                throw DataError("sequential samples: user \(user) rated \(rated.count) of \(items.count) items, fewer than \(negatives) are left to sample")
            }
            splits.users += 1
            splits.rated[user] = rated
            func at(_ t: Int, negatives: [Int]) -> SequentialCase {
                SequentialCase(user: user, history: Array(positives[max(0, t - maxHistory)..<t]), target: positives[t],
                               negatives: negatives, position: t)
            }
            let n = positives.count
            var test = SeedBook(seed: candidateSeed).stream(.negativeSampling, "test/user-\(user)")
            var validation = SeedBook(seed: candidateSeed).stream(.negativeSampling, "validation/user-\(user)")
            splits.test.append(at(n - 1, negatives: draw(negatives, excluding: rated, from: items, stream: &test)))
            splits.validation.append(at(n - 2, negatives: draw(negatives, excluding: rated, from: items, stream: &validation)))
            var positions = Array(1..<(n - 2))
            if let keep = trainPositionsPerUser, keep < positions.count {
                positions = sampling.sample(keep, from: positions.count).sorted().map { positions[$0] }
            }
            splits.train += positions.map { at($0, negatives: []) }
        }
        guard splits.users > 0 else {
            throw DataError("sequential samples: no user has \(minimumLength) positives (\(splits.usersLeftOut) users)")
        }
        return splits
    }

    /// `count` training negatives for `example` in `epoch`, from the training seed's stream of
    /// that user, position and epoch (so resuming a run, or reordering the batch, draws the same).
    public static func trainingNegatives(_ count: Int, for example: SequentialCase, epoch: Int, in splits: SequentialSplits,
                                         seed: UInt64) -> [Int] {
        var stream = SeedBook(seed: seed).stream(.negativeSampling, "train/user-\(example.user)/position-\(example.position)/epoch-\(epoch)")
        return draw(count, excluding: splits.rated[example.user] ?? [], from: splits.catalogue, stream: &stream)
    }

    /// `count` distinct items of `items` (ascending) not in `excluded` (ascending), in draw order.
    static func draw(_ count: Int, excluding excluded: [Int], from items: [Int], stream: inout RandomStream) -> [Int] {
        let ex = Set(excluded)
        let pool = items.filter { !ex.contains($0) }
        return stream.sample(count, from: pool.count).map { pool[$0] }
    }
}
