// The catalogue cache: equal to direct computation, resumable, invalidated by changed sources or
// options, and nothing written when an item is bad.
import AudioFeatures
import Foundation
import Synchronization
import HDF5Storage
import Testing
import TestSupport

private func clip(_ hz: Double, seconds: Double = 0.6) -> [Float] {
    (0..<Int(seconds * 16000)).map { Float(0.3 * sin(2 * Double.pi * hz * Double($0) / 16000) + 0.05 * sin(Double($0) * 0.9)) }
}

@Suite("FBank cache")
struct FBankCacheTests {
    let options: AudioFrontEndOptions = {
        var f = FBankOptions()
        f.numMelBins = 40
        return AudioFrontEndOptions(fbank: f, maxSeconds: 30)
    }()

    @Test func cacheEqualsDirectComputationAndStoresProvenance() throws {
        let dir = try Fixtures.temporaryDirectory()
        let out = dir.appendingPathComponent("cache.h5").path
        let wav = dir.appendingPathComponent("c.wav").path
        try AudioFile.writeWAV(path: wav, interleaved: clip(880, seconds: 1), channels: 1, sampleRate: 16000, float32: true)
        let items = [FBankCacheItem(id: "b", samples: clip(300)), FBankCacheItem(id: "a", samples: clip(1200, seconds: 0.9)),
                     FBankCacheItem(id: "c", path: wav)] + (0..<5).map { FBankCacheItem(id: "n\($0)", samples: clip(200 + 100 * Double($0))) }
        let report = try FBankCache.build(items: items, options: options, output: out, workers: 2, shardSize: 3, progress: false)
        #expect(report == FBankCacheReport(computed: 8, reused: 0))
        let fbank = try FBank(options: options.fbank)
        let reader = try HDF5Reader(path: out)
        #expect(try reader.readStrings("/ids") == items.map(\.id), "ids in input order")
        #expect(try reader.attribute("num_mel_bins") == .int(40))
        #expect(try reader.attribute("window_type") == .string("povey"))
        #expect(try reader.attribute("format_version") == .int(1))
        for item in items {
            let cached = try FBankCache.read(id: item.id, from: out)
            let direct: FBankFeatures
            switch item.source {
            case let .samples(x): direct = try fbank.compute(x)
            case let .file(p): direct = try AudioFrontEnd.features(path: p, options: options, fbank: fbank)
            case let .generated(render): direct = try fbank.compute(render())
            }
            #expect(cached == direct, "item \(item.id): two workers and sharding change nothing")
        }
        #expect(try reader.attribute("source_sha256", of: "/items/c") == .string(try FBankFile.sha256(path: wav)))
        #expect(!FileManager.default.fileExists(atPath: out + ".parts"), "shards removed after the merge")
    }

    @Test func rebuildReusesUnchangedItemsAndRecomputesChangedOnes() throws {
        let dir = try Fixtures.temporaryDirectory()
        let out = dir.appendingPathComponent("cache.h5").path
        var items = (0..<4).map { FBankCacheItem(id: "i\($0)", samples: clip(300 + 200 * Double($0))) }
        try FBankCache.build(items: items, options: options, output: out, progress: false)
        let before = try FileManager.default.attributesOfItem(atPath: out)[.systemFileNumber] as? Int
        #expect(try FBankCache.build(items: items, options: options, output: out, progress: false) == FBankCacheReport(computed: 0, reused: 4))
        let after = try FileManager.default.attributesOfItem(atPath: out)[.systemFileNumber] as? Int
        #expect(before != nil && before == after, "an up-to-date cache is not rewritten")
        // Same items in another order: nothing computed, the file is rewritten in the new order.
        try FBankCache.build(items: items.reversed(), options: options, output: out, progress: false)
        #expect(try HDF5Reader(path: out).readStrings("/ids") == items.reversed().map(\.id))
        try FBankCache.build(items: items, options: options, output: out, progress: false)
        items[2] = FBankCacheItem(id: "i2", samples: clip(5000))
        items.append(FBankCacheItem(id: "new", samples: clip(100)))
        #expect(try FBankCache.build(items: items, options: options, output: out, progress: false) == FBankCacheReport(computed: 2, reused: 3))
        #expect(try FBankCache.read(id: "i2", from: out) == (try FBank(options: options.fbank).compute(clip(5000))))
        var other = options
        other.fbank.numMelBins = 23
        #expect(try FBankCache.build(items: items, options: other, output: out, progress: false) == FBankCacheReport(computed: 5, reused: 0))
        #expect(try FBankCache.read(id: "i0", from: out).dimension == 23)
    }

    @Test func anInterruptedBuildResumesFromItsShards() throws {
        let dir = try Fixtures.temporaryDirectory()
        let out = dir.appendingPathComponent("cache.h5").path
        let good = (0..<4).map { FBankCacheItem(id: "g\($0)", samples: clip(400 + 150 * Double($0))) }
        // An item that yields no frame stops the run after the first shards were committed.
        let bad = FBankCacheItem(id: "bad", samples: [Float](repeating: 0.1, count: 100))
        #expect(throws: FBankError.self) {
            try FBankCache.build(items: good + [bad], options: options, output: out, workers: 1, shardSize: 2, progress: false)
        }
        #expect(!FileManager.default.fileExists(atPath: out), "no output after a failed run")
        let fixed = good + [FBankCacheItem(id: "bad", samples: clip(700))]
        let report = try FBankCache.build(items: fixed, options: options, output: out, workers: 2, shardSize: 2, progress: false)
        #expect(report == FBankCacheReport(computed: 1, reused: 4))
    }

    /// Two builders of one cache at once (as two test suites or `make paper` beside `atflrec
    /// train` do on a fresh clone): without the folder lock one merged and deleted the shards the
    /// other was still writing. Now they take turns: every build succeeds, exactly one computes
    /// each item, and the file equals a build made alone.
    @Test func concurrentBuildersOfOneCacheTakeTurns() throws {
        let dir = try Fixtures.temporaryDirectory()
        let out = dir.appendingPathComponent("cache.h5").path
        let items = (0..<12).map { FBankCacheItem(id: "c\($0)", samples: clip(250 + 90 * Double($0), seconds: 1.5)) }
        let builders = 4
        let reports = Mutex<[Result<FBankCacheReport, Error>]>([])
        DispatchQueue.concurrentPerform(iterations: builders) { _ in
            let r = Result { try FBankCache.build(items: items, options: options, output: out, workers: 1, shardSize: 2, progress: false) }
            reports.withLock { $0.append(r) }
        }
        let done = try reports.withLock { try $0.map { try $0.get() } }
        #expect(done.count == builders)
        #expect(done.map(\.computed).reduce(0, +) == items.count, "each item computed once: \(done)")
        #expect(done.allSatisfy { $0.computed + $0.reused == items.count })
        let alone = dir.appendingPathComponent("alone.h5").path
        try FBankCache.build(items: items, options: options, output: alone, progress: false)
        for item in items {
            #expect(try FBankCache.read(id: item.id, from: out) == (try FBankCache.read(id: item.id, from: alone)))
        }
        #expect(!FileManager.default.fileExists(atPath: out + ".parts"))
    }

    @Test func badItemsAreOneLineErrorsAndNothingIsWritten() throws {
        let dir = try Fixtures.temporaryDirectory()
        let out = dir.appendingPathComponent("cache.h5").path
        let missing = dir.appendingPathComponent("gone.flac").path
        do {
            try FBankCache.build(items: [FBankCacheItem(id: "x", samples: clip(300)), FBankCacheItem(id: "y", path: missing)],
                                 options: options, output: out, progress: false)
            Issue.record("expected an error")
        } catch let e as FBankError {
            #expect(e.description == "\(missing): no such file")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(throws: FBankError.self) {
            try FBankCache.build(items: [FBankCacheItem(id: "a/b", samples: clip(300))], options: options, output: out, progress: false)
        }
        #expect(throws: FBankError.self) {
            try FBankCache.build(items: [FBankCacheItem(id: "a", samples: clip(300)), FBankCacheItem(id: "a", samples: clip(400))],
                                 options: options, output: out, progress: false)
        }
    }
}
