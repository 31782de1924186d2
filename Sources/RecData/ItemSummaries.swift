import AudioFeatures
import Crypto
import Dispatch
import Foundation

// Every item's audio descriptors (AudioFeatures/AudioDescriptors.swift) and the item texts of
// issue 28's sequential models: the title followed by the first n phrases of the audio summary.
// Measuring ml100k's 1,682 surrogate soundtracks takes about 80 s on one core, so the
// descriptors are cached in .cache/summaries/ under a key of the dataset's audio description
// and the descriptor version; the cache is JSON written atomically, read back as is.

public enum ItemSummaries {
    /// Bumped when a descriptor's definition changes (old caches are then not read).
    public static let descriptorVersion = 1

    /// `count` results of `body` side by side on `workers` threads, in index order: the
    /// output does not depend on `workers`.
    public static func orderedConcurrentMap<T>(_ count: Int, workers: Int, _ body: (Int) throws -> T) throws -> [T] {
        var results = [Result<T, Error>?](repeating: nil, count: count)
        let lock = NSLock()
        var next = 0
        DispatchQueue.concurrentPerform(iterations: min(max(workers, 1), max(count, 1))) { _ in
            while true {
                lock.lock()
                let i = next
                next += 1
                lock.unlock()
                guard i < count else { return }
                let r = Result { try body(i) }
                lock.lock(); results[i] = r; lock.unlock()
            }
        }
        return try results.map { try $0!.get() }
    }

    /// The descriptors of one item's audio; one line naming the item when it has none.
    public static func measure(_ dataset: RecDataset, item: Int) throws -> AudioDescriptors {
        switch dataset.audio[item] {
        case let .generated(render)?:
            return try AudioDescriptors.measure(render(), sampleRate: 16000, name: "\(dataset.name) item \(item)")
        case let .file(path)?:
            let clip = try AudioFile.read(path: path)
            return try AudioDescriptors.measure(clip.samples, sampleRate: clip.sampleRate, name: path)
        case nil:
            throw DataError("\(dataset.name) item \(item): has no audio to summarise")
        }
    }

    struct Stored: Codable { var item: Int; var descriptors: AudioDescriptors }
    struct CacheFile: Codable { var audio: String; var descriptorVersion: Int; var items: [Stored] }

    /// The cache file of `dataset`'s descriptors under `root`.
    public static func cachePath(_ dataset: RecDataset, root: URL) -> URL {
        let key = SHA256.hash(data: Data("\(dataset.audioDescription)|descriptors v\(descriptorVersion)".utf8))
            .map { String(format: "%02x", $0) }.joined().prefix(16)
        return root.appendingPathComponent(".cache/summaries/\(dataset.name)-\(key).json")
    }

    /// Every item's descriptors (items with audio), from the cache or measured and cached.
    public static func load(_ dataset: RecDataset, root: URL, workers: Int = 2) throws -> [Int: AudioDescriptors] {
        let path = cachePath(dataset, root: root)
        let items = dataset.items.filter { dataset.audio[$0] != nil }
        if let data = FileManager.default.contents(atPath: path.path) {
            let file: CacheFile
            do { file = try JSONDecoder().decode(CacheFile.self, from: data) } catch {
                throw DataError("\(path.path): not a descriptor cache (\(error)); delete it to measure again")
            }
            guard file.audio == dataset.audioDescription, file.descriptorVersion == descriptorVersion,
                  file.items.map(\.item) == items else {
                throw DataError("\(path.path): made for other audio or items; delete it to measure again")
            }
            return Dictionary(uniqueKeysWithValues: file.items.map { ($0.item, $0.descriptors) })
        }
        let measured = try orderedConcurrentMap(items.count, workers: workers) { try measure(dataset, item: items[$0]) }
        let file = CacheFile(audio: dataset.audioDescription, descriptorVersion: descriptorVersion,
                             items: zip(items, measured).map { Stored(item: $0, descriptors: $1) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
        try encoder.encode(file).write(to: path, options: .atomic)
        return Dictionary(uniqueKeysWithValues: zip(items, measured).map { ($0, $1) })
    }

    /// "Title (tempo 118 BPM, bright)": the title and the first `phrases` phrases of the summary
    /// (0 or no descriptors: the title alone).
    public static func itemText(title: String, descriptors: AudioDescriptors?, phrases: Int) -> String {
        guard let descriptors, phrases > 0 else { return title }
        return "\(title) (\(AudioSummary.phrases(descriptors).prefix(phrases).joined(separator: ", ")))"
    }
}
