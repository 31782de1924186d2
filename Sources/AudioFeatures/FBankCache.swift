// Features for a whole item catalogue in one HDF5 file, computed on all cores, resumable.
//
// Layout of the finished file (see FBankFile for the attributes):
//   /ids                  strings [I], the items in the order given
//   /items/<id>           float32 [F_i, D], one dataset per item (clips differ in length)
// Resuming: work is committed in shards (OUTPUT.parts/part-NNNNN.h5, each written atomically).
// A new run reuses every item already in a shard or in an existing OUTPUT whose options text is
// identical and whose source SHA-256 is unchanged, computes the rest, then merges everything into
// OUTPUT (atomically) and removes the shards. A crash loses at most one shard of work. Builders
// of one folder take turns (CacheBuildLock), so a second builder of the same cache reuses the
// first one's work instead of racing over its shards.
import Foundation
import HDF5Storage

/// One item of the catalogue: an id (a valid HDF5 name: no "/", not "." or "..") and its audio.
public struct FBankCacheItem: Sendable {
    public enum Source: Sendable {
        /// An audio file, loaded through AudioFrontEnd (decode, down-mix, resample, truncate).
        case file(String)
        /// Samples already at the FBank sample rate (e.g. rendered surrogate audio).
        case samples([Float])
        /// Samples at the FBank sample rate rendered on demand (called once to hash and once to
        /// compute, so a whole catalogue of generated clips never sits in memory at once).
        case generated(@Sendable () -> [Float])
    }
    public let id: String
    public let source: Source

    public init(id: String, path: String) { self.id = id; self.source = .file(path) }
    public init(id: String, samples: [Float]) { self.id = id; self.source = .samples(samples) }
    public init(id: String, generate: @escaping @Sendable () -> [Float]) { self.id = id; self.source = .generated(generate) }

    var sourceDescription: String {
        switch source {
        case let .file(path): return path
        case .samples: return "samples"
        case .generated: return "generated"
        }
    }
}

/// What a build did.
public struct FBankCacheReport: Sendable, Equatable {
    /// Items computed in this run.
    public var computed = 0
    /// Items taken from an earlier run (same options, same source SHA-256).
    public var reused = 0

    public init(computed: Int = 0, reused: Int = 0) {
        self.computed = computed
        self.reused = reused
    }
}

public enum FBankCache {
    /// Computes (or reuses) the features of every item into `output`.
    /// - workers: threads computing features (2 = both cores of the project's machines).
    /// - shardSize: items per committed shard (the most work a crash can lose).
    /// - progress: draw a progress bar on stderr.
    /// - attributes: extra root attributes of the finished file (e.g. the audio generator's
    ///   version and options); part of the cache identity: a file with other values is rebuilt.
    @discardableResult
    public static func build(items: [FBankCacheItem], options: AudioFrontEndOptions, output: String,
                             workers: Int = 2, shardSize: Int = 64, progress: Bool = true,
                             attributes: [(String, String)] = []) throws -> FBankCacheReport {
        try options.validate()
        try checkIDs(items, output: output)
        // Everything below reads and writes OUTPUT and its shards: one builder at a time.
        let folder = (output as NSString).deletingLastPathComponent
        let lock = try CacheBuildLock(folder: folder.isEmpty ? "." : folder)
        defer { lock.release() }
        let partsDir = output + ".parts"
        let optionsText = options.canonicalText + attributes.map { ";\($0.0)=\($0.1)" }.joined()
        var known = try existingEntries(output: output, partsDir: partsDir, optionsText: optionsText)
        var report = FBankCacheReport()
        let bar = ProgressBar(total: items.count, enabled: progress)

        // Hash every source (in parallel: SHA-256 of a 30 s clip costs about as much as its FBank)
        // and keep what is already computed with the same options and source.
        let hashes: [String] = try parallelMap(items.count, workers: max(1, workers)) { i, _ in
            switch items[i].source {
            case let .file(path):
                _ = try AudioFile.header(path: path)  // one clear line for a missing or non-audio file
                return try FBankFile.sha256(path: path)
            case let .samples(x):
                return FBankFile.sha256(samples: x)
            case let .generated(render):
                return FBankFile.sha256(samples: render())
            }
        }
        var todo: [(index: Int, sha: String)] = []
        for (i, item) in items.enumerated() {
            if let entry = known[item.id], entry.sha == hashes[i] {
                report.reused += 1
            } else {
                todo.append((i, hashes[i]))
            }
        }
        bar.advance(by: report.reused)

        var nextPart = ((try? FileManager.default.contentsOfDirectory(atPath: partsDir)) ?? []).count
        let banks = try (0..<max(1, workers)).map { _ in try FBank(options: options.fbank) }
        var start = 0
        while start < todo.count {
            let shard = Array(todo[start..<min(start + shardSize, todo.count)])
            let results = try computeShard(shard.map { items[$0.index] }, options: options, banks: banks, bar: bar)
            try FileManager.default.createDirectory(atPath: partsDir, withIntermediateDirectories: true)
            let partPath = partsDir + String(format: "/part-%05d.h5", nextPart)
            let writer = try HDF5Writer(path: partPath)
            try writer.setAttribute("format_version", .int(FBankFile.formatVersion))
            try writer.setAttribute("options_text", .string(optionsText))
            for (k, entry) in shard.enumerated() {
                let item = items[entry.index]
                try writeItem(writer, id: item.id, features: results[k], source: item.sourceDescription, sha: entry.sha)
                known[item.id] = (partPath, entry.sha)
            }
            try writer.commit()
            nextPart += 1
            report.computed += shard.count
            start += shard.count
        }

        // Nothing new and the existing file already holds exactly these items: leave it as is.
        let upToDate = report.computed == 0 && items.allSatisfy { known[$0.id]?.file == output }
            && (try? HDF5Reader(path: output).readStrings("/ids")) == items.map(\.id)
        if !upToDate {
            try merge(items: items, known: known, options: options, optionsText: optionsText, attributes: attributes, output: output)
        }
        try? FileManager.default.removeItem(atPath: partsDir)
        bar.finish()
        return report
    }

    /// The features of one item of a finished cache.
    public static func read(id: String, from path: String) throws -> FBankFeatures {
        let reader = try HDF5Reader(path: path)
        let a = try reader.read(Float.self, "/items/\(id)")
        guard a.shape.count == 2 else { throw FBankError.badInput(path, "/items/\(id) has shape \(a.shape), expected [F, D]") }
        return FBankFeatures(numFrames: a.shape[0], dimension: a.shape[1], values: a.values)
    }

    // MARK: - Steps

    private static func checkIDs(_ items: [FBankCacheItem], output: String) throws {
        var seen = Set<String>()
        for item in items {
            guard !item.id.isEmpty, !item.id.contains("/"), item.id != ".", item.id != ".." else {
                throw FBankError.badInput(output, "item id \"\(item.id)\" is not a valid HDF5 name (empty, \"/\", \".\" or \"..\")")
            }
            guard seen.insert(item.id).inserted else { throw FBankError.badInput(output, "item id \"\(item.id)\" appears twice") }
        }
    }

    /// id -> (file holding it, source SHA-256), from the old output and the shards made with the
    /// same options; later shards win.
    private static func existingEntries(output: String, partsDir: String, optionsText: String) throws
        -> [String: (file: String, sha: String)] {
        var files: [String] = []
        if FileManager.default.fileExists(atPath: output) { files.append(output) }
        files += ((try? FileManager.default.contentsOfDirectory(atPath: partsDir)) ?? [])
            .filter { $0.hasPrefix("part-") && $0.hasSuffix(".h5") }.sorted().map { partsDir + "/" + $0 }
        var known: [String: (file: String, sha: String)] = [:]
        for file in files {
            // A file that cannot be read or was made with other options is simply not reused.
            guard let reader = try? HDF5Reader(path: file),
                  case let .string(text)? = try? reader.attribute("options_text"), text == optionsText,
                  reader.exists("/items"), let ids = try? reader.children(of: "/items") else { continue }
            for id in ids {
                if case let .string(sha)? = try? reader.attribute("source_sha256", of: "/items/\(id)") {
                    known[id] = (file, sha)
                }
            }
        }
        return known
    }

    /// Features of the shard's items, computed by `banks.count` threads.
    private static func computeShard(_ items: [FBankCacheItem], options: AudioFrontEndOptions, banks: [FBank],
                                     bar: ProgressBar) throws -> [FBankFeatures] {
        try parallelMap(items.count, workers: banks.count) { i, w in
            let item = items[i]
            let f: FBankFeatures
            switch item.source {
            case let .file(path):
                f = try AudioFrontEnd.features(path: path, options: options, fbank: banks[w], ditherKey: item.id)
            case let .samples(x):
                f = try AudioFrontEnd.features(samples: x, options: options, fbank: banks[w], ditherKey: item.id)
                guard f.numFrames > 0 else { throw FBankError.badInput("item \(item.id)", "\(x.count) samples give no frame") }
            case let .generated(render):
                let x = render()
                f = try AudioFrontEnd.features(samples: x, options: options, fbank: banks[w], ditherKey: item.id)
                guard f.numFrames > 0 else { throw FBankError.badInput("item \(item.id)", "\(x.count) samples give no frame") }
            }
            bar.advance(by: 1)
            return f
        }
    }

    /// body(i, worker) for i in 0..<count on `workers` threads, results in index order. Workers
    /// take indices from a shared counter; after a failure no new index starts, and the error of
    /// the lowest failing index is thrown, so the reported error does not depend on timing.
    static func parallelMap<T>(_ count: Int, workers: Int, _ body: (Int, Int) throws -> T) throws -> [T] {
        let lock = NSLock()
        var results = [T?](repeating: nil, count: count)
        var errors: [(Int, Error)] = []
        var next = 0
        DispatchQueue.concurrentPerform(iterations: max(1, min(workers, count))) { w in
            while true {
                lock.lock()
                let i = next
                next += 1
                let stop = !errors.isEmpty
                lock.unlock()
                if i >= count || stop { return }
                do {
                    let r = try body(i, w)
                    lock.lock()
                    results[i] = r
                    lock.unlock()
                } catch {
                    lock.lock()
                    errors.append((i, error))
                    lock.unlock()
                }
            }
        }
        if let first = errors.min(by: { $0.0 < $1.0 }) { throw first.1 }
        return results.map { $0! }
    }

    private static func writeItem(_ writer: HDF5Writer, id: String, features: FBankFeatures, source: String, sha: String) throws {
        let path = "/items/\(id)"
        try writer.write(features.values, shape: [features.numFrames, features.dimension], to: path)
        try writer.setAttribute("num_frames", .int(Int64(features.numFrames)), on: path)
        try writer.setAttribute("source", .string(source), on: path)
        try writer.setAttribute("source_sha256", .string(sha), on: path)
    }

    /// Copies every item, in input order, from where it lives into a fresh OUTPUT.
    private static func merge(items: [FBankCacheItem], known: [String: (file: String, sha: String)],
                              options: AudioFrontEndOptions, optionsText: String, attributes: [(String, String)],
                              output: String) throws {
        let writer = try HDF5Writer(path: output)
        try writer.setAttribute("format_version", .int(FBankFile.formatVersion))
        try writer.setAttribute("kind", .string("atflrec-fbank-cache"))
        for (name, value) in FBankFile.attributes(of: options) { try writer.setAttribute(name, value) }
        for (name, value) in attributes { try writer.setAttribute(name, .string(value)) }
        // The cache identity: FBank options plus the extra attributes (overrides the plain one).
        try writer.setAttribute("options_text", .string(optionsText))
        var readers: [String: HDF5Reader] = [:]
        for item in items {
            guard let entry = known[item.id] else { throw FBankError.badInput(output, "internal: item \(item.id) was not computed") }
            let reader: HDF5Reader
            if let r = readers[entry.file] { reader = r } else { reader = try HDF5Reader(path: entry.file); readers[entry.file] = reader }
            let a = try reader.read(Float.self, "/items/\(item.id)")
            guard a.shape.count == 2 else { throw FBankError.badInput(entry.file, "/items/\(item.id) has shape \(a.shape)") }
            try writeItem(writer, id: item.id, features: FBankFeatures(numFrames: a.shape[0], dimension: a.shape[1], values: a.values),
                          source: item.sourceDescription, sha: entry.sha)
        }
        try writer.writeStrings(items.map(\.id), to: "/ids")
        try writer.commit()
    }
}

/// A progress bar on stderr: redrawn in place on a terminal, a line every 10% otherwise.
final class ProgressBar: @unchecked Sendable {
    private let total: Int
    private let enabled: Bool
    private let isTerminal = isatty(2) != 0
    private let lock = NSLock()
    private var done = 0
    private var lastDecile = -1
    private let start = Date()

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled && total > 0
    }

    func advance(by n: Int) {
        guard enabled, n > 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        done += n
        let elapsed = Date().timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let width = 30
        let filled = total > 0 ? width * done / total : width
        let line = String(format: "fbank [%@%@] %d/%d items  %.1f items/s  ETA %.0f s",
                          String(repeating: "#", count: filled), String(repeating: ".", count: width - filled),
                          done, total, rate, eta)
        if isTerminal {
            FileHandle.standardError.write(Data(("\r" + line).utf8))
        } else if done * 10 / total != lastDecile {
            lastDecile = done * 10 / total
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    func finish() {
        guard enabled, isTerminal else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
