import SeededRandom

// k-core filtering and like / not-like samples for MicroLens, whose feedback is implicit (every
// interaction is a view, there are no dislikes).
//
// k-core (iterative): remove every user with fewer than `users` interactions and every item
// with fewer than `items` interactions, recount, repeat until nothing changes. MLLM-MSR
// (Ye et al., 2024, on MicroLens-50k; REFERENCE.md section 5) keeps users >= 7 and items >= 5:
// those are the defaults here.
//
// Samples (the protocol; its source is the common CTR practice on implicit feedback that
// MLLM-MSR follows on MicroLens: observed interactions are positives, negatives are items the
// user never interacted with, drawn at random; MLLM-MSR tests with 1 positive : 20 negatives,
// here the ratio is an option, default 1 : 1 in every split):
// - a positive is one observed interaction (user, item, time); its history is the user's
//   previous `historyLength` interactions in time order, all liked (`historyLiked` all true:
//   the history is made of observed interactions, and MicroLens has no dislikes);
// - empty-history rule: an interaction with fewer than `minimumHistory` (default 1) earlier
//   interactions of its user gives no sample; those are counted in `skippedShortHistory`. So
//   every user's first interaction never becomes a sample and no history is empty;
// - for each positive, `negativesPerPositive` distinct items are drawn uniformly from the
//   catalogue (the filtered item set) among items the user never interacted with at any time
//   (past or future, so no negative is a later positive); each negative sample copies the
//   positive's user, history and time, with label 0. Draws come from one stream,
//   SeedBook(seed:).stream(.negativeSampling, "microlens"), consumed in sample order by
//   rejection (uniform index into the catalogue, redrawn if the user has the item or it was
//   already drawn for this positive); a user who has seen all but fewer than
//   `negativesPerPositive` items is an error;
// - order: positives sorted by (time, user id, position in the user's sequence), each followed
//   by its negatives; sample ids are positions in that list, before truncation;
// - the last `keepLast` samples (nil: all) are split 8:1:1 in that order into train, validation
//   and test, as TALLRecSamples does, except that every cut falls between groups (a positive and
//   its negatives stay together): keepLast keeps the last floor(keepLast / (1 + negatives))
//   groups, train gets floor(8 G / 10) of the G groups, validation floor(G / 10), test the rest.

extension MicroLens {
    /// The iterative k-core: users with >= `users` interactions and items with >= `items`.
    /// Titles and audio paths follow the remaining items; the report records what was removed.
    public func kCore(users minUser: Int = 7, items minItem: Int = 5) -> MicroLens {
        var seqs = sequences
        var rounds = 0
        while true {
            var itemCount: [Int: Int] = [:]
            for s in seqs { for i in s.items { itemCount[i, default: 0] += 1 } }
            let usersOK = seqs.allSatisfy { $0.items.count >= minUser }
            let itemsOK = itemCount.values.allSatisfy { $0 >= minItem }
            if usersOK && itemsOK { break }
            rounds += 1
            // One round removes the users and the items below threshold at the same counts.
            seqs.removeAll { $0.items.count < minUser }
            for k in seqs.indices {
                let keep = seqs[k].items.indices.filter { itemCount[seqs[k].items[$0]]! >= minItem }
                seqs[k].items = keep.map { seqs[k].items[$0] }
                seqs[k].timestamps = keep.map { seqs[k].timestamps[$0] }
            }
        }
        let kept = Set(seqs.flatMap(\.items)).sorted()
        var out = self
        out.sequences = seqs
        out.items = kept
        out.titles = titles.filter { kept.binarySearchContains($0.key) }
        out.audioPaths = audioPaths.filter { kept.binarySearchContains($0.key) }
        out.report.kCoreUsers = minUser
        out.report.kCoreItems = minItem
        out.report.kCoreRounds = rounds
        out.report.kCoreUsersRemoved = userCount - seqs.count
        out.report.kCoreItemsRemoved = items.count - kept.count
        out.report.kCoreInteractionsRemoved = interactionCount - out.interactionCount
        return out
    }
}

extension MicroLens {
    /// The whole pipeline behind RecDataset's `microlens`: load, k-core (MLLM-MSR's users >= 7,
    /// items >= 5 by default), then samples. The reports of every step are in the result.
    public static func prepare(directory: String, options: MicroLensOptions = MicroLensOptions(),
                               users: Int = 7, items: Int = 5,
                               samples: MicroLensSampleOptions = MicroLensSampleOptions()) throws
        -> (data: MicroLens, splits: SampleSplits, sampleReport: MicroLensSampleReport) {
        let data = try load(directory: directory, options: options).kCore(users: users, items: items)
        let (splits, report) = try MicroLensSamples.build(data, options: samples)
        return (data, splits, report)
    }

    /// One line for RecDataset.audioDescription.
    public var audioDescription: String {
        "MicroLens audio files (real audio, not surrogate) in \(report.audioDirectory), \(audioPaths.count) items"
    }
}

public struct MicroLensSampleOptions: Sendable, Equatable {
    public var historyLength: Int
    public var minimumHistory: Int
    public var negativesPerPositive: Int
    /// Keep only the last samples in time, rounded down to whole groups (nil: all).
    public var keepLast: Int?
    public var seed: UInt64

    public init(historyLength: Int = 10, minimumHistory: Int = 1, negativesPerPositive: Int = 1,
                keepLast: Int? = nil, seed: UInt64 = 0) {
        self.historyLength = historyLength
        self.minimumHistory = minimumHistory
        self.negativesPerPositive = negativesPerPositive
        self.keepLast = keepLast
        self.seed = seed
    }
}

/// Counts of the sample construction.
public struct MicroLensSampleReport: Sendable, Equatable {
    public var positives = 0
    public var negatives = 0
    /// Interactions with fewer than `minimumHistory` earlier interactions (no sample).
    public var skippedShortHistory = 0
    /// Samples before the last `keepLast` were kept.
    public var samplesBeforeTruncation = 0
}

public enum MicroLensSamples {
    public static func build(_ data: MicroLens, options: MicroLensSampleOptions = MicroLensSampleOptions()) throws
        -> (splits: SampleSplits, report: MicroLensSampleReport) {
        guard options.historyLength >= 1, options.minimumHistory >= 1, options.minimumHistory <= options.historyLength else {
            throw DataError("microlens samples: need 1 <= minimum history (\(options.minimumHistory)) <= history length (\(options.historyLength))")
        }
        guard options.negativesPerPositive >= 0 else {
            throw DataError("microlens samples: negatives per positive must be >= 0, got \(options.negativesPerPositive)")
        }
        var report = MicroLensSampleReport()
        // (time, user, sequence index, position) of every positive with enough history.
        var positives: [(time: Int, user: Int, sequence: Int, position: Int)] = []
        for (k, s) in data.sequences.enumerated() {
            for p in s.items.indices {
                if p >= options.minimumHistory {
                    positives.append((s.timestamps[p], s.user, k, p))
                } else {
                    report.skippedShortHistory += 1
                }
            }
        }
        positives.sort { ($0.time, $0.user, $0.position) < ($1.time, $1.user, $1.position) }

        let catalogue = data.items
        var stream = SeedBook(seed: options.seed).stream(.negativeSampling, "microlens")
        var seen: [Int: Set<Int>] = [:]  // lookup only, never iterated
        var all: [InteractionSample] = []
        all.reserveCapacity(positives.count * (1 + options.negativesPerPositive))
        for pos in positives {
            let s = data.sequences[pos.sequence]
            let history = Array(s.items[max(0, pos.position - options.historyLength)..<pos.position])
            let liked = [Bool](repeating: true, count: history.count)
            let target = s.items[pos.position]
            all.append(InteractionSample(id: all.count, user: s.user, history: history, historyLiked: liked,
                                         target: target, label: 1, timestamp: pos.time))
            report.positives += 1
            guard options.negativesPerPositive > 0 else { continue }
            let userItems = seen[s.user] ?? Set(s.items)
            seen[s.user] = userItems
            guard catalogue.count - userItems.count >= options.negativesPerPositive else {
                throw DataError("microlens samples: user \(s.user) has interacted with \(userItems.count) of \(catalogue.count) items; cannot draw \(options.negativesPerPositive) negative(s)")
            }
            var drawn: [Int] = []
            while drawn.count < options.negativesPerPositive {
                let candidate = catalogue[stream.int(below: catalogue.count)]
                if userItems.contains(candidate) || drawn.contains(candidate) { continue }
                drawn.append(candidate)
                all.append(InteractionSample(id: all.count, user: s.user, history: history, historyLiked: liked,
                                             target: candidate, label: 0, timestamp: pos.time))
                report.negatives += 1
            }
        }
        report.samplesBeforeTruncation = all.count
        // Truncation and split boundaries fall between groups (a positive and its negatives).
        let group = 1 + options.negativesPerPositive
        let keptGroups = min(positives.count, options.keepLast.map { $0 / group } ?? positives.count)
        let kept = Array(all.suffix(keptGroups * group))
        let nTrain = keptGroups * 8 / 10 * group, nValid = keptGroups / 10 * group
        let splits = SampleSplits(train: Array(kept[0..<nTrain]), validation: Array(kept[nTrain..<(nTrain + nValid)]),
                                  test: Array(kept[(nTrain + nValid)...]))
        return (splits, report)
    }
}

extension Array where Element == Int {
    /// Membership in an ascending array.
    fileprivate func binarySearchContains(_ value: Int) -> Bool {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if self[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low < count && self[low] == value
    }
}
