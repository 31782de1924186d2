import Foundation
import Testing
import TestSupport
@testable import RecData

// The MicroLens loader on the committed fixture (Tests/Fixtures/microlens/, invented content in
// the official shapes; README.md there works out every count below by hand).

@Suite("MicroLens file format: loader, k-core, like/not-like samples")
struct MicroLensTests {
    static let directory = Fixtures.url("microlens").path
    static let drop = MicroLensOptions(missingAudio: .dropItem)
    static let t0 = 1_650_000_000_000

    /// The fixture's timestamp of a user's n-th intended interaction (see the generator).
    static func time(_ user: Int, _ position: Int) -> Int { t0 + (position * 100 + user * 3) * 1000 }

    /// The error's one line, or nil when `body` does not throw.
    func failure(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    /// A writable copy of the fixture.
    func copy(_ name: String = #function) throws -> String {
        let dir = try Fixtures.temporaryDirectory(name).appendingPathComponent("microlens")
        try FileManager.default.copyItem(atPath: Self.directory, toPath: dir.path)
        return dir.path
    }

    @Test func loadCountsEveryPolicy() throws {
        let ml = try MicroLens.load(directory: Self.directory, options: Self.drop)
        let r = ml.report
        #expect(r.timestampsArePositions == false && r.pairsPath.hasSuffix("MicroLens-100k_pairs.csv"))
        #expect(r.interactionsRead == 105)
        #expect(r.duplicatesDropped == 1)
        #expect(r.itemsWithoutAudio == [1031])
        #expect(r.interactionsDroppedForMissingAudio == 2)
        #expect(r.audioFilesIgnored == 1)
        #expect(r.itemsWithoutTitle == 1)           // 1027
        #expect(r.titlesWithoutInteractions == 2)   // 1031 (dropped) and 1099
        #expect(ml.userCount == 20)
        #expect(ml.items == Array(1001...1030))
        #expect(ml.interactionCount == 102)
        #expect(ml.audioPaths.count == 30)
        #expect(ml.audioPaths[1028] == Self.directory + "/audio/1028.flac")
        #expect(ml.audioPaths[1027] == Self.directory + "/audio/1027.wav")
        #expect(ml.titles[1027] == nil)
    }

    @Test func sequencesAreTimeOrderedWithDuplicatesAndMissingAudioRemoved() throws {
        let ml = try MicroLens.load(directory: Self.directory, options: Self.drop)
        let u20 = try #require(ml.sequences.first { $0.user == 20 })
        // Intended order 1030 1009 1031 1010 1009 1011: 1031 has no audio, the second 1009 repeats.
        #expect(u20.items == [1030, 1009, 1010, 1011])
        #expect(u20.timestamps == [Self.time(20, 0), Self.time(20, 1), Self.time(20, 3), Self.time(20, 5)])
        // User 5's third and fourth interactions share a timestamp: file order decides.
        let u5 = try #require(ml.sequences.first { $0.user == 5 })
        #expect(u5.items == [1009, 1010, 1011, 1012, 1013, 1014])
        #expect(u5.timestamps[2] == u5.timestamps[3])
        #expect(ml.sequences.map(\.user) == Array(1...20))
    }

    @Test func titlesKeepQuotesCommasLineBreaksCJKAndEmoji() throws {
        let ml = try MicroLens.load(directory: Self.directory, options: Self.drop)
        #expect(ml.titles[1001] == "Morning run by the river")  // after the byte order mark and header
        #expect(ml.titles[1002] == "He said \"hello\", then left")
        #expect(ml.titles[1003] == "今天的晚餐 #美食 #日常 🍜")
        #expect(ml.titles[1004] == "cats, dogs and more")       // unquoted: split at the first comma only
        #expect(ml.titles[1005] == "line one\nline two")
        #expect(ml.titles[1006] == "😀😀 #搞笑 #funny")
        #expect(ml.titles[1007] == "")
        #expect(ml.titles[1008] == "video 1008 #tag3")
        #expect(ml.titles.count == 29)
    }

    @Test func tsvGivesTheSameSequencesWithPositionsAsTimes() throws {
        let csv = try MicroLens.load(directory: Self.directory, options: Self.drop)
        var options = Self.drop
        options.pairsFile = "MicroLens-100k_pairs.tsv"
        let tsv = try MicroLens.load(directory: Self.directory, options: options)
        #expect(tsv.report.timestampsArePositions)
        #expect(tsv.report.interactionsRead == 105 && tsv.report.duplicatesDropped == 1)
        #expect(tsv.sequences.map(\.items) == csv.sequences.map(\.items))
        #expect(tsv.sequences.first { $0.user == 20 }?.timestamps == [0, 1, 3, 5])
        #expect(tsv.items == csv.items)
    }

    @Test func kCoreEqualsTheHandComputedCascade() throws {
        let ml = try MicroLens.load(directory: Self.directory, options: Self.drop)
        let core = ml.kCore(users: 3, items: 3)
        // Round 1 removes item 1028 (2 users), 2 user 16, 3 item 1029, 4 users 17 and 18, 5 item 1030.
        #expect(core.sequences.map(\.user) == Array(1...15) + [19, 20])
        #expect(core.items == Array(1001...1027))
        #expect(core.interactionCount == 90)
        #expect(core.report.kCoreRounds == 5)
        #expect(core.report.kCoreUsersRemoved == 3)
        #expect(core.report.kCoreItemsRemoved == 3)
        #expect(core.report.kCoreInteractionsRemoved == 12)
        #expect(core.sequences.first { $0.user == 19 }?.items == [1009, 1010, 1011])
        #expect(core.audioPaths.count == 27 && core.titles.count == 26)
        // Every remaining user and item meets the thresholds.
        var itemCount: [Int: Int] = [:]
        for s in core.sequences { for i in s.items { itemCount[i, default: 0] += 1 } }
        #expect(core.sequences.allSatisfy { $0.items.count >= 3 } && itemCount.values.allSatisfy { $0 >= 3 })
        // MLLM-MSR's thresholds (users >= 7, items >= 5) empty this tiny world: no user has 7.
        let strict = ml.kCore()
        #expect(strict.userCount == 0 && strict.items.isEmpty && strict.report.kCoreUsersRemoved == 20)
    }

    @Test func samplesFollowTheStatedProtocol() throws {
        let core = try MicroLens.load(directory: Self.directory, options: Self.drop).kCore(users: 3, items: 3)
        let (s, report) = try MicroLensSamples.build(core)
        // 90 interactions of 17 users: each user's first gives no sample (empty history).
        #expect(report.skippedShortHistory == 17)
        #expect(report.positives == 73 && report.negatives == 73)
        let sizes: [Int] = [s.train.count, s.validation.count, s.test.count]
        #expect(sizes == [116, 14, 16])
        #expect(s.validation.first?.label == 1 && s.test.first?.label == 1)
        let all = s.train + s.validation + s.test
        #expect(all.map(\.id) == Array(0..<146))
        // The earliest positive with a history: user 1's second interaction.
        #expect(all[0].user == 1 && all[0].target == 1002 && all[0].history == [1001] && all[0].label == 1)
        #expect(all[0].timestamp == Self.time(1, 1))
        let seqs = Dictionary(uniqueKeysWithValues: core.sequences.map { ($0.user, $0) })
        for k in stride(from: 0, to: all.count, by: 2) {
            let pos = all[k], neg = all[k + 1]
            let seq = try #require(seqs[pos.user])
            let p = try #require(seq.items.firstIndex(of: pos.target))
            #expect(pos.label == 1 && neg.label == 0)
            #expect(pos.history == Array(seq.items[max(0, p - 10)..<p]) && !pos.history.isEmpty)
            #expect(pos.historyLiked.allSatisfy { $0 } && pos.historyLiked.count == pos.history.count)
            #expect(pos.timestamp == seq.timestamps[p])
            #expect(neg.user == pos.user && neg.history == pos.history && neg.timestamp == pos.timestamp)
            #expect(!seq.items.contains(neg.target) && core.items.contains(neg.target))
        }
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.0.timestamp <= $0.1.timestamp })
        // Three negatives per positive are distinct; keepLast keeps the latest samples.
        // keepLast 102 keeps the last 25 groups of 4 (100 samples), split 20 / 2 / 3 groups.
        let (three, r3) = try MicroLensSamples.build(core, options: MicroLensSampleOptions(negativesPerPositive: 3, keepLast: 102))
        #expect(r3.samplesBeforeTruncation == 292)
        let threeSizes: [Int] = [three.train.count, three.validation.count, three.test.count]
        #expect(threeSizes == [80, 8, 12])
        let kept = three.train + three.validation + three.test
        #expect(kept.count == 100 && kept.first?.id == 192 && kept.first?.label == 1)
        #expect(three.validation.first?.label == 1 && three.test.first?.label == 1)
        for k in stride(from: 0, to: kept.count, by: 4) {
            #expect(Set(kept[(k + 1)...(k + 3)].map(\.target)).count == 3)
        }
    }

    /// The dataset as RecDataset.load's `microlens` case would build it (k-core 3/3 for the fixture).
    func dataset(seed: UInt64) throws -> RecDataset {
        let (core, splits, _) = try MicroLens.prepare(directory: Self.directory, options: Self.drop, users: 3, items: 3,
                                                      samples: MicroLensSampleOptions(historyLength: 10, seed: seed))
        return RecDataset(name: "microlens", ratingCount: core.interactionCount, userCount: core.userCount, items: core.items,
                          titles: core.titles, samples: splits, audio: core.audioPaths.mapValues { .file($0) },
                          audioDescription: core.audioDescription, audioIsSurrogate: false, clipSeconds: nil)
    }

    @Test func samplesAreReproducibleFromTheSeed() throws {
        let a = try dataset(seed: 7), b = try dataset(seed: 7)
        #expect(a.samplesSHA256 == b.samplesSHA256)
        #expect(a.samples.train.count == 116 && a.items.count == 27 && a.userCount == 17 && a.ratingCount == 90)
        // Another seed draws other negatives (and only the negatives change).
        let other = try dataset(seed: 8)
        #expect(a.samplesSHA256 != other.samplesSHA256)
        #expect(a.samples.train.filter { $0.label == 1 } == other.samples.train.filter { $0.label == 1 })
        #expect(a.samples.train.filter { $0.label == 0 }.map(\.target) != other.samples.train.filter { $0.label == 0 }.map(\.target))
        // Audio entries are the fixture's files.
        if case .file(let path) = a.audio[1027] { #expect(path.hasSuffix("/audio/1027.wav")) } else { Issue.record("item 1027: no file audio") }
        #expect(a.audio.count == 27)
    }

    // MARK: - Bad input: one line naming the file and line, or a stated policy

    @Test func malformedPairsLinesNameFileAndLine() throws {
        let dir = try copy()
        let csv = dir + "/MicroLens-100k_pairs.csv"
        let good = try Data(contentsOf: URL(fileURLWithPath: csv))
        try (good + Data("7,abc,1650000000000\n".utf8)).write(to: URL(fileURLWithPath: csv))
        #expect(failure { _ = try MicroLens.load(directory: dir, options: Self.drop) } == "\(csv):107: item 'abc' is not an integer")
        try (good + Data("7,1001\n".utf8)).write(to: URL(fileURLWithPath: csv))
        #expect(failure { _ = try MicroLens.load(directory: dir, options: Self.drop) } == "\(csv):107: expected 3 fields (user,item,timestamp), found 2")
        let tsv = dir + "/MicroLens-100k_pairs.tsv"
        try Data("1\t1001 1002\n2 1003\n".utf8).write(to: URL(fileURLWithPath: tsv))
        var options = Self.drop
        options.pairsFile = "MicroLens-100k_pairs.tsv"
        #expect(failure { _ = try MicroLens.load(directory: dir, options: options) } == "\(tsv):2: expected user<TAB>items")
        try Data("1\t1001 1002\n2\t1003\n1\t1004\n".utf8).write(to: URL(fileURLWithPath: tsv))
        #expect(failure { _ = try MicroLens.load(directory: dir, options: options) } == "\(tsv):3: user 1 already has line 1")
        try Data("1\t1001 x1002\n".utf8).write(to: URL(fileURLWithPath: tsv))
        #expect(failure { _ = try MicroLens.load(directory: dir, options: options) } == "\(tsv):1: item 'x1002' is not an integer")
    }

    @Test func badTitlesNameFileAndLine() throws {
        let dir = try copy()
        let titles = dir + "/MicroLens-100k_title_en.csv"
        var bytes = Data("item,title\n1001,ok\n1002,bad ".utf8)
        bytes.append(contentsOf: [0xFF, 0xFE])
        bytes.append(Data(" title\n".utf8))
        try bytes.write(to: URL(fileURLWithPath: titles))
        #expect(failure { _ = try MicroLens.load(directory: dir, options: Self.drop) } == "\(titles):3: title is not valid UTF-8")
        try Data("item,title\n1001,\"never closed\n1002,x\n".utf8).write(to: URL(fileURLWithPath: titles))
        #expect(failure { _ = try MicroLens.load(directory: dir, options: Self.drop) } == "\(titles):2: quoted field is never closed")
        try Data("item,title\n1001,\"quoted\" then text\n".utf8).write(to: URL(fileURLWithPath: titles))
        #expect(failure { _ = try MicroLens.load(directory: dir, options: Self.drop) } == "\(titles):2: unexpected text after a closing quote")
    }

    @Test func missingAudioAndDuplicatesUnderTheErrorPolicy() throws {
        let audio = Self.directory + "/audio"
        #expect(failure { _ = try MicroLens.load(directory: Self.directory) }
                == "\(audio): 1 item(s) with interactions have no audio file (1031); missing-audio policy: error")
        var options = Self.drop
        options.duplicates = .error
        #expect(failure { _ = try MicroLens.load(directory: Self.directory, options: options) }
                == "\(Self.directory)/MicroLens-100k_pairs.csv:38: user 20 item 1009 occurs again (duplicates policy: error)")
    }

    @Test func damagedOrAmbiguousAudioIsAnError() throws {
        let dir = try copy()
        try Data("not audio".utf8).write(to: URL(fileURLWithPath: dir + "/audio/1001.wav"))
        let damaged = failure { _ = try MicroLens.load(directory: dir, options: Self.drop) }
        #expect(damaged?.hasPrefix("\(dir)/audio/1001.wav: item 1001's audio cannot be opened: ") == true)
        #expect(damaged?.contains("\n") == false)
        try FileManager.default.copyItem(atPath: dir + "/audio/1002.wav", toPath: dir + "/audio/1001.flac")
        #expect(failure { _ = try MicroLens.load(directory: dir, options: Self.drop) }
                == "\(dir)/audio: item 1001 has two audio files (1001.flac, 1001.wav)")
        try FileManager.default.removeItem(atPath: dir + "/audio")
        #expect(failure { _ = try MicroLens.load(directory: dir, options: Self.drop) }
                == "\(dir)/audio: audio directory not found (see `make microlens-audio`)")
    }

    @Test func impossibleNegativesAreAnError() throws {
        let core = try MicroLens.load(directory: Self.directory, options: Self.drop).kCore(users: 3, items: 3)
        // 27 items; a user with 6 of them leaves 21 candidates, fewer than 22.
        #expect(failure { _ = try MicroLensSamples.build(core, options: MicroLensSampleOptions(negativesPerPositive: 22)) }
                == "microlens samples: user 1 has interacted with 6 of 27 items; cannot draw 22 negative(s)")
    }
}
