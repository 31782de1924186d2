import Crypto
import Foundation

// One dataset as every model of the project sees it: the TALLRec-style sample splits, item
// titles for the prompts, and where each item's audio comes from. Built by name:
//   ml100k     real MovieLens-100K ratings and titles; SURROGATE soundtracks from genres and
//              release year (SurrogateSoundtrack; neither is in the prompt);
//   synthlens  the synthetic world (SynthLens), preset tiny or paper;
//   microlens  the official MicroLens files, when a user has them (see MicroLens).

/// Where an item's audio comes from.
public enum ItemAudio: Sendable {
    /// A file in any format libsndfile reads.
    case file(String)
    /// Rendered on demand at 16 kHz by a surrogate generator.
    case generated(@Sendable () -> [Float])
}

public struct RecDataset: Sendable {
    /// "ml100k", "synthlens-tiny", "synthlens-paper", "microlens".
    public var name: String
    public var ratingCount: Int
    public var userCount: Int
    /// Every item of the catalogue, ascending.
    public var items: [Int]
    public var titles: [Int: String]
    public var samples: SampleSplits
    /// Items whose audio the dataset provides (the rest have none: see `audioPolicy`).
    public var audio: [Int: ItemAudio]
    /// One line describing the audio: the generator with version and options, or the folder.
    public var audioDescription: String
    /// True when the audio is synthesized (reports must say so).
    public var audioIsSurrogate: Bool
    /// Seconds of audio per item where known (generated clips), else nil.
    public var clipSeconds: Double?
    /// Every time-stamped rating the samples are built from (ml100k, synthlens; what the
    /// sequential protocol orders); empty for microlens, whose samples are built from its files.
    public var ratings: [Rating] = []

    public func title(_ item: Int) -> String { titles[item] ?? "item \(item)" }

    /// Loads a dataset by name. `root` is the repository root (data caches live under it).
    public static func load(name: String, preset: String, historyLength: Int = 10, root: URL) throws -> RecDataset {
        switch name {
        case "ml100k": return try movieLens(root: root, historyLength: historyLength)
        case "synthlens": return try synthLens(try SynthLensOptions.preset(preset), name: "synthlens-\(preset)", historyLength: historyLength)
        case "microlens": return try microLens(root: root, historyLength: historyLength)
        default: throw DataError("data.dataset '\(name)': unknown (ml100k, synthlens, microlens)")
        }
    }

    /// The official MicroLens files from `.cache/data/microlens` (see MicroLens for the layout):
    /// 7/5 k-core, positives with at least one earlier interaction, one seeded negative each,
    /// 8:1:1 time split (MicroLensSamples). Real audio; nothing here is surrogate.
    public static func microLens(root: URL, historyLength: Int = 10) throws -> RecDataset {
        let directory = root.appendingPathComponent(MicroLens.defaultDirectory).path
        let (ml, splits, _) = try MicroLens.prepare(directory: directory,
                                                    samples: MicroLensSampleOptions(historyLength: historyLength, seed: 0))
        return RecDataset(
            name: "microlens", ratingCount: ml.interactionCount, userCount: ml.userCount, items: ml.items,
            titles: ml.titles, samples: splits, audio: ml.audioPaths.mapValues { .file($0) },
            audioDescription: "files in \(ml.report.audioDirectory)", audioIsSurrogate: false, clipSeconds: nil)
    }

    /// What each movie's surrogate soundtrack encodes: the genre names in voice order and, per
    /// item, its voices (genres) and tempo scalar (release year).
    public static func movieLensSoundtrackEncoding(_ ml: MovieLens100K) -> (genres: [String], items: [Int: (classes: [Int], tempo: Double)]) {
        let genreNames = Array(Set(ml.movies.flatMap(\.genres))).sorted()
        let genreIndex = Dictionary(uniqueKeysWithValues: genreNames.enumerated().map { ($1, $0) })
        var items: [Int: (classes: [Int], tempo: Double)] = [:]
        for movie in ml.movies {
            items[movie.item] = (movie.genres.compactMap { genreIndex[$0] }, movie.releaseYear.map { Double($0 - 1920) / 80 } ?? 0.5)
        }
        return (genreNames, items)
    }

    /// MovieLens-100K with surrogate soundtracks: one voice per genre (genres in alphabetical
    /// order of the file's genre names), tempo from the release year (1920 -> slowest,
    /// 2000 -> fastest; unknown year -> middle).
    public static func movieLens(root: URL, historyLength: Int = 10, soundtrackSeed: UInt64 = 0) throws -> RecDataset {
        let ml = try MovieLens100K.load(directory: root.appendingPathComponent(MovieLens100K.defaultDirectory).path)
        let splits = TALLRecSamples.build(ml.ratings, historyLength: historyLength)
        let (genreNames, encoded) = movieLensSoundtrackEncoding(ml)
        let options = SurrogateSoundtrackOptions(sampleRate: 16000, seconds: 30, seed: soundtrackSeed, voices: genreNames.count)
        let generator = SurrogateSoundtrack(options: options)
        var audio: [Int: ItemAudio] = [:]
        for movie in ml.movies {
            let (classes, tempo) = encoded[movie.item]!
            let id = movie.item
            audio[id] = .generated { generator.render(item: id, classes: classes, tempo: tempo) }
        }
        return RecDataset(
            name: "ml100k", ratingCount: ml.ratings.count, userCount: ml.userCount, items: ml.movies.map(\.item),
            titles: Dictionary(uniqueKeysWithValues: ml.movies.map { ($0.item, $0.title) }), samples: splits, audio: audio,
            audioDescription: options.description + " classes=genres(\(genreNames.joined(separator: ","))) tempo=release_year",
            audioIsSurrogate: true, clipSeconds: options.seconds, ratings: ml.ratings)
    }

    public static func synthLens(_ options: SynthLensOptions, name: String, historyLength: Int = 10) throws -> RecDataset {
        let world = try SynthLensWorld.generate(options)
        let splits = TALLRecSamples.build(world.ratings, historyLength: historyLength)
        let generator = SurrogateSoundtrack(options: world.soundtrackOptions)
        var audio: [Int: ItemAudio] = [:]
        for item in world.items {
            audio[item.id] = .generated { world.soundtrack(item, generator: generator) }
        }
        let knobs = String(format: "text=%g audio=%g cf=%g sharpness=%g", options.textWeight, options.audioWeight,
                           options.collaborativeWeight, options.sharpness)
            + (options.appeal == 0 ? "" : String(format: " appeal=%g", options.appeal))
        return RecDataset(
            name: name, ratingCount: world.ratings.count, userCount: options.users, items: world.items.map(\.id),
            titles: Dictionary(uniqueKeysWithValues: world.items.map { ($0.id, $0.title) }), samples: splits, audio: audio,
            audioDescription: world.soundtrackOptions.description + " classes=sound_factor tempo=per-item draw (" + knobs + ")",
            audioIsSurrogate: true, clipSeconds: options.clipSeconds, ratings: world.ratings)
    }

    /// SHA-256 of the sample tables (every field of every split, in order): equal hashes mean
    /// byte-identical datasets.
    public var samplesSHA256: String {
        var text = ""
        for (split, samples) in [("train", samples.train), ("validation", samples.validation), ("test", samples.test)] {
            for s in samples {
                text += "\(split)\t\(s.id)\t\(s.user)\t\(s.target)\t\(s.label)\t\(s.timestamp)\t"
                text += zip(s.history, s.historyLiked).map { "\($0):\($1 ? 1 : 0)" }.joined(separator: ",") + "\n"
            }
        }
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
