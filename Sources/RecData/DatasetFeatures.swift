import AudioFeatures
import Crypto
import Foundation
import HDF5Storage

// The FBank features of every item of a dataset, computed once per option set (FBankCache: all
// cores, resumable shards) and stored in HDF5 with the FBank options, the audio generator's
// version and options, and each source's SHA-256. The automatic location is
//   .cache/features/<dataset>-<key12>.h5,  key = SHA-256 of (options text, audio description)
// so another option set gets another file; an existing file is reused when its identity
// matches and rebuilt (only the items whose source changed) when not. An explicit file given by
// the user is never rebuilt: made with other options, it is an error naming the difference.

public enum DatasetFeatures {
    /// The front-end options of a run: Kaldi FBank with `numMelBins`, 25 ms / 10 ms frames by
    /// default, no dither (deterministic), the first `maxSeconds` of each clip.
    public static func options(numMelBins: Int, frameLengthMs: Double, frameShiftMs: Double, sampleFrequency: Double,
                               maxSeconds: Double) -> AudioFrontEndOptions {
        var o = AudioFrontEndOptions()
        o.fbank.numMelBins = numMelBins
        o.fbank.frameLength = Float(frameLengthMs)
        o.fbank.frameShift = Float(frameShiftMs)
        o.fbank.sampleFrequency = Float(sampleFrequency)
        o.fbank.dither = 0
        o.maxSeconds = maxSeconds > 0 ? maxSeconds : nil
        return o
    }

    /// The identity string of a cache: FBank options and the dataset's audio description.
    static func identity(_ dataset: RecDataset, _ options: AudioFrontEndOptions) -> String {
        options.canonicalText + ";audio=" + dataset.audioDescription
    }

    public static func automaticPath(for dataset: RecDataset, options: AudioFrontEndOptions, root: URL) -> String {
        let key = SHA256.hash(data: Data(identity(dataset, options).utf8)).map { String(format: "%02x", $0) }.joined()
        return root.appendingPathComponent(".cache/features/\(dataset.name)-\(key.prefix(12)).h5").path
    }

    /// Makes sure the features of `items` exist in `path` (building or completing the automatic
    /// cache; checking an explicit one) and returns the path.
    @discardableResult
    public static func prepare(_ dataset: RecDataset, items: [Int], options: AudioFrontEndOptions, explicitPath: String?,
                               root: URL, workers: Int = 2, progress: Bool = true) throws -> String {
        let attributes = [("audio_generator", dataset.audioDescription)]
        if let explicitPath, !explicitPath.isEmpty {
            try checkExplicit(explicitPath, dataset: dataset, options: options, items: items)
            return explicitPath
        }
        let path = automaticPath(for: dataset, options: options, root: root)
        if try isComplete(path, dataset: dataset, options: options, items: items) { return path }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var cacheItems: [FBankCacheItem] = []
        for item in items {
            switch dataset.audio[item] {
            case let .file(file)?: cacheItems.append(FBankCacheItem(id: String(item), path: file))
            case let .generated(render)?: cacheItems.append(FBankCacheItem(id: String(item), generate: render))
            case nil: throw DataError("\(dataset.name): item \(item) has no audio")
            }
        }
        try FBankCache.build(items: cacheItems, options: options, output: path, workers: workers, progress: progress,
                             attributes: attributes)
        return path
    }

    /// True when `path` holds every item with the same options and generator.
    static func isComplete(_ path: String, dataset: RecDataset, options: AudioFrontEndOptions, items: [Int]) throws -> Bool {
        guard FileManager.default.fileExists(atPath: path), let reader = try? HDF5Reader(path: path),
              case let .string(text)? = try? reader.attribute("options_text"),
              text == options.canonicalText + ";audio_generator=\(dataset.audioDescription)",
              let ids = try? reader.readStrings("/ids") else { return false }
        let present = Set(ids)
        return items.allSatisfy { present.contains(String($0)) }
    }

    static func checkExplicit(_ path: String, dataset: RecDataset, options: AudioFrontEndOptions, items: [Int]) throws {
        let reader = try HDF5Reader(path: path)
        guard case let .string(text)? = try? reader.attribute("options_text") else {
            throw DataError("\(path): not an atflrec feature cache (no options_text attribute)")
        }
        let expected = options.canonicalText + ";audio_generator=\(dataset.audioDescription)"
        guard text == expected else {
            let have = Dictionary(text.split(separator: ";").map { kv -> (String, String) in
                let p = kv.split(separator: "=", maxSplits: 1); return (String(p[0]), p.count > 1 ? String(p[1]) : "") }, uniquingKeysWith: { a, _ in a })
            let want = expected.split(separator: ";").map { kv -> (String, String) in
                let p = kv.split(separator: "=", maxSplits: 1); return (String(p[0]), p.count > 1 ? String(p[1]) : "") }
            let diff = want.first { have[$0.0] != $0.1 }.map { "\($0.0) is \(have[$0.0] ?? "absent") in the file, the run needs \($0.1)" }
            throw DataError("\(path): feature cache made with other options (\(diff ?? "option set differs")); not overwritten")
        }
        let present = Set(try reader.readStrings("/ids"))
        if let missing = items.first(where: { !present.contains(String($0)) }) {
            throw DataError("\(path): feature cache has no item \(missing)")
        }
    }

    /// The features of `items` from a finished cache, keeping every `frameStride`-th frame.
    public static func load(_ path: String, items: [Int], frameStride: Int = 1) throws -> [Int: FBankFeatures] {
        let reader = try HDF5Reader(path: path)
        var out: [Int: FBankFeatures] = [:]
        for item in items {
            let a = try reader.read(Float.self, "/items/\(item)")
            guard a.shape.count == 2, a.shape[0] > 0 else { throw DataError("\(path): /items/\(item) has shape \(a.shape)") }
            let f = a.shape[0], m = a.shape[1]
            if frameStride <= 1 {
                out[item] = FBankFeatures(numFrames: f, dimension: m, values: a.values)
            } else {
                var kept: [Float] = []
                kept.reserveCapacity((f + frameStride - 1) / frameStride * m)
                for r in stride(from: 0, to: f, by: frameStride) { kept.append(contentsOf: a.values[(r * m)..<((r + 1) * m)]) }
                out[item] = FBankFeatures(numFrames: kept.count / m, dimension: m, values: kept)
            }
        }
        return out
    }
}
