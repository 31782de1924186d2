import Foundation
import Testing
import TestSupport
@testable import RecData
import AudioFeatures

@Suite("Sequential samples: leave-last-out with sampled negatives (issue 28)")
struct SequentialSamplesTests {
    /// User 1 likes items 10, 11, 12, 13, 14, 15 (in that time order; 15 and 14 share a
    /// timestamp, so the item id orders them) and dislikes 16; user 2 has only 4 positives.
    static let ratings: [Rating] = [
        Rating(user: 1, item: 12, rating: 4, timestamp: 30), Rating(user: 1, item: 10, rating: 5, timestamp: 10),
        Rating(user: 1, item: 11, rating: 4, timestamp: 20), Rating(user: 1, item: 16, rating: 1, timestamp: 25),
        Rating(user: 1, item: 15, rating: 5, timestamp: 50), Rating(user: 1, item: 14, rating: 4, timestamp: 50),
        Rating(user: 1, item: 13, rating: 5, timestamp: 40),
        Rating(user: 2, item: 10, rating: 5, timestamp: 1), Rating(user: 2, item: 11, rating: 5, timestamp: 2),
        Rating(user: 2, item: 12, rating: 5, timestamp: 3), Rating(user: 2, item: 13, rating: 5, timestamp: 4),
        Rating(user: 2, item: 17, rating: 2, timestamp: 5),
    ]
    static let catalogue = Array(10..<40)

    @Test func leaveLastOutByHand() throws {
        let s = try SequentialSamples.build(Self.ratings, catalogue: Self.catalogue, maxHistory: 3, negatives: 5)
        #expect(s.users == 1 && s.usersLeftOut == 1)
        #expect(s.test.map(\.target) == [15] && s.test[0].history == [12, 13, 14] && s.test[0].position == 5)
        #expect(s.validation.map(\.target) == [14] && s.validation[0].history == [11, 12, 13])
        // Training targets: positions 1 ... n - 3 = 1, 2, 3 (items 11, 12, 13), histories cut to 3.
        #expect(s.train.map(\.target) == [11, 12, 13])
        #expect(s.train.map(\.history) == [[10], [10, 11], [10, 11, 12]])
        #expect(s.train.allSatisfy { $0.negatives.isEmpty })
        #expect(s.rated[1] == [10, 11, 12, 13, 14, 15, 16])
    }

    @Test func negativesAreUnratedDistinctAndFixedByTheCandidateSeed() throws {
        let a = try SequentialSamples.build(Self.ratings, catalogue: Self.catalogue, negatives: 19, seed: 0)
        let b = try SequentialSamples.build(Self.ratings, catalogue: Self.catalogue, negatives: 19, seed: 7)
        let c = try SequentialSamples.build(Self.ratings, catalogue: Self.catalogue, negatives: 19, candidateSeed: 1)
        for x in a.test + a.validation {
            #expect(x.negatives.count == 19 && Set(x.negatives).count == 19)
            #expect(Set(x.negatives).isDisjoint(with: a.rated[x.user]!))
            #expect(x.negatives.allSatisfy { Self.catalogue.contains($0) })
        }
        // Another training seed keeps the candidates; another candidate seed moves them.
        #expect(a.test == b.test && a.validation == b.validation)
        #expect(a.test[0].negatives != c.test[0].negatives)
        #expect(a.test[0].negatives != a.validation[0].negatives)
        // Training negatives: per user, position and epoch; unrated; the same when drawn again.
        let n0 = SequentialSamples.trainingNegatives(4, for: a.train[0], epoch: 0, in: a, seed: 0)
        #expect(n0 == SequentialSamples.trainingNegatives(4, for: a.train[0], epoch: 0, in: a, seed: 0))
        #expect(n0 != SequentialSamples.trainingNegatives(4, for: a.train[0], epoch: 1, in: a, seed: 0))
        #expect(Set(n0).isDisjoint(with: a.rated[1]!) && Set(n0).count == 4)
    }

    @Test func trainingPositionsAreSubsampledInTimeOrder() throws {
        let full = try SequentialSamples.build(Self.ratings, catalogue: Self.catalogue)
        let two = try SequentialSamples.build(Self.ratings, catalogue: Self.catalogue, trainPositionsPerUser: 2, seed: 3)
        #expect(two.train.count == 2)
        #expect(two.train.allSatisfy { full.train.contains($0) })
        #expect(two.train[0].position < two.train[1].position)
        #expect(two == (try SequentialSamples.build(Self.ratings, catalogue: Self.catalogue, trainPositionsPerUser: 2, seed: 3)))
    }

    @Test func badSettingsAreOneLineErrors() {
        #expect(throws: DataError("sequential samples: minimumLength 2, expected at least 3 (test, validation, one training target)")) {
            try SequentialSamples.build(Self.ratings, catalogue: Self.catalogue, minimumLength: 2)
        }
        #expect(throws: DataError("sequential samples: no user has 9 positives (2 users)")) {
            try SequentialSamples.build(Self.ratings, catalogue: Self.catalogue, minimumLength: 9)
        }
        #expect(throws: DataError("sequential samples: rating of user 1 names item 12, not in the catalogue")) {
            try SequentialSamples.build(Self.ratings, catalogue: [10, 11], minimumLength: 5)
        }
        #expect(throws: DataError("sequential samples: user 1 rated 7 of 30 items, fewer than 24 are left to sample")) {
            try SequentialSamples.build(Self.ratings, catalogue: Self.catalogue, negatives: 24)
        }
    }

    /// The protocol on MovieLens-100K (fetched by make ml100k): users kept and their counts.
    @Test func movieLensCounts() throws {
        let ml = try MovieLens100K.load(directory: Fixtures.repositoryRoot.appendingPathComponent(MovieLens100K.defaultDirectory).path)
        let s = try SequentialSamples.build(ml.ratings, catalogue: ml.movies.map(\.item))
        var positives: [Int: Int] = [:]
        for r in ml.ratings where r.rating > 3 { positives[r.user, default: 0] += 1 }
        let kept = positives.values.filter { $0 >= 5 }.count
        #expect(s.users == kept && s.users + s.usersLeftOut == ml.userCount)
        #expect(s.test.count == kept && s.validation.count == kept)
        #expect(s.train.count == positives.values.filter { $0 >= 5 }.reduce(0) { $0 + $1 - 3 })
        #expect(s.test.allSatisfy { $0.history.count == min(20, $0.position) })
    }
}

@Suite("Sequential prompts and item texts (issue 28)")
struct SequentialPromptsTests {
    @Test func blocksKeepTheNewestBlockFull() throws {
        let p = try SequentialPrompts(blockSize: 3)
        #expect(p.blocks([1, 2, 3, 4, 5, 6, 7]) == [[1], [2, 3, 4], [5, 6, 7]])
        #expect(p.blocks([1, 2, 3]) == [[1, 2, 3]])
        #expect(try SequentialPrompts(blockSize: 20).blocks([4, 5]) == [[4, 5]])
        #expect(p.blockText([1, 2], item: { "T\($0)" }) == "The user liked: T1; T2.")
        #expect(p.candidateText(9, item: { "T\($0)" }) == "Will the user like: T9?")
        #expect(throws: DataError("sequence.blockSize 0: expected at least 1")) { try SequentialPrompts(blockSize: 0) }
    }

    @Test func itemTextKeepsTheFirstPhrases() {
        let d = AudioDescriptors(loudnessDB: -20, centroidHz: 800, pitchHz: 400, tempoBPM: 118.4, seconds: 30)
        #expect(ItemSummaries.itemText(title: "Heat", descriptors: d, phrases: 2) == "Heat (tempo 118 BPM, warm)")
        #expect(ItemSummaries.itemText(title: "Heat", descriptors: d, phrases: 4)
                == "Heat (tempo 118 BPM, warm, moderate, mid register (pitch 400 Hz))")
        #expect(ItemSummaries.itemText(title: "Heat", descriptors: d, phrases: 0) == "Heat")
        #expect(ItemSummaries.itemText(title: "Heat", descriptors: nil, phrases: 4) == "Heat")
    }

    /// The descriptor cache gives what measuring gives, and the same values whatever the worker
    /// count (synthlens tiny: its items' clips are rendered on demand).
    @Test func descriptorCacheRoundTrips() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("summaries-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let dataset = try RecDataset.load(name: "synthlens", preset: "tiny", root: root)
        let measured = try ItemSummaries.load(dataset, root: root, workers: 2)
        #expect(FileManager.default.fileExists(atPath: ItemSummaries.cachePath(dataset, root: root).path))
        #expect(try ItemSummaries.load(dataset, root: root, workers: 1) == measured)
        let first = dataset.items.first { dataset.audio[$0] != nil }!
        #expect(measured[first] == (try ItemSummaries.measure(dataset, item: first)))
        #expect(measured.count == dataset.items.filter { dataset.audio[$0] != nil }.count)
    }
}
