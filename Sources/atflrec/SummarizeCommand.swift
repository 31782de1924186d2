// `atflrec summarize`: an item's soundtrack as measured descriptors and a short text (issue 28,
// point 1: the item summaries of MLLM-MSR, adapted to audio without a generative model), for
// audio files, or for every ml100k item's surrogate soundtrack with how often the descriptors
// recover what the surrogate encodes (its genre voices and its release-year tempo).
import ArgumentParser
import AudioFeatures
import Foundation
import RecData

struct SummarizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summarize",
        abstract: "Audio descriptors (tempo, brightness, loudness, pitch) and their text summary, per file or over ml100k's surrogate soundtracks.",
        discussion: """
            Descriptors (AudioFeatures/AudioDescriptors.swift): loudness (RMS, dBFS), spectral centroid (Hz), \
            the strongest pitch below 3 kHz (Hz), tempo from onset autocorrelation (40-200 BPM). One line per \
            clip on standard output; --output writes them as JSON (atomically). With --surrogate ml100k, every \
            movie's surrogate soundtrack is rendered and measured, and the report says how often the tempo \
            is the release-year tempo the generator used (within 4%, up to an octave, or at another metrical \
            level: x2/3 or x3/2) and how often the \
            pitch lies in the note range of one of the movie's genre voices, beside the rate for another \
            movie's genres (chance).
            """)

    @Argument(help: "Audio files (any format libsndfile reads; channels are averaged).")
    var audio: [String] = []
    @Option(help: "Measure this dataset's surrogate soundtracks instead of files (ml100k or synthlens).")
    var surrogate: String?
    @Option(help: "The synthlens preset (tiny, tiny-appeal, paper, paper-appeal).")
    var preset = "paper-appeal"
    @Option(help: "JSON file to write (atomically).")
    var output: String?
    @Option(help: "Repository root (where .cache/data lives).")
    var root = "."
    @Option(help: "Threads measuring clips side by side (speed only; the output does not depend on it).")
    var workers = 2

    struct FileSummary: Codable { var path: String; var descriptors: AudioDescriptors; var summary: String }
    struct ItemSummary: Codable {
        var item: Int; var encodedBPM: Double; var voices: [Int]; var descriptors: AudioDescriptors; var summary: String
        var tempoRecovered: Bool; var tempoOctave: Bool; var tempoMetrical: Bool; var pitchInGenreVoice: Bool
        var pitchInOtherItemsVoice: Bool
    }
    struct Recovery: Codable {
        var dataset: String; var audio: String; var items: Int
        var tempoWithin4Percent: Double; var tempoWithin4PercentUpToAnOctave: Double
        var tempoWithin4PercentOfAMetricalLevel: Double; var tempoMedianAbsoluteErrorBPM: Double
        var pitchInAGenreVoice: Double; var pitchInAnotherMoviesGenreVoice: Double
        var rows: [ItemSummary]
    }

    func validate() throws {
        guard (surrogate == nil) != audio.isEmpty else {
            throw ValidationError("give audio files or --surrogate ml100k, not both and not neither")
        }
        if let surrogate, surrogate != "ml100k" && surrogate != "synthlens" {
            throw ValidationError("--surrogate \(surrogate): only ml100k and synthlens have surrogate soundtracks with a known encoding here")
        }
        guard workers >= 1 else { throw ValidationError("--workers \(workers): must be at least 1") }
    }

    /// `count` measurements side by side on `workers` threads, in index order.
    func measured<T>(_ count: Int, _ body: (Int) throws -> T) throws -> [T] {
        try ItemSummaries.orderedConcurrentMap(count, workers: workers, body)
    }

    func run() throws {
        let data: Data
        if surrogate == "synthlens" {
            data = try JSONEncoder.sorted.encode(try synthLensRecovery())
        } else if surrogate != nil {
            data = try JSONEncoder.sorted.encode(try surrogateRecovery())
        } else {
            let rows = try measured(audio.count) { i -> FileSummary in
                let clip = try AudioFile.read(path: audio[i])
                let d = try AudioDescriptors.measure(clip.samples, sampleRate: clip.sampleRate, name: audio[i])
                return FileSummary(path: audio[i], descriptors: d, summary: AudioSummary.text(d))
            }
            for r in rows { print("\(r.path): \(r.summary)") }
            data = try JSONEncoder.sorted.encode(rows)
        }
        if let output { try data.write(to: URL(fileURLWithPath: output), options: .atomic) }
    }

    func surrogateRecovery() throws -> Recovery {
        let base = URL(fileURLWithPath: root)
        let ml = try MovieLens100K.load(directory: base.appendingPathComponent(MovieLens100K.defaultDirectory).path)
        let dataset = try RecDataset.movieLens(root: base)
        let (genres, encoding) = RecDataset.movieLensSoundtrackEncoding(ml)
        let items = ml.movies.map(\.item)
        let voices = genres.count
        func inVoice(_ hz: Double, _ classes: [Int]) -> Bool {
            classes.contains { SurrogateSoundtrack.noteRange(voice: $0, voices: voices).contains(hz) }
        }
        let rows = try measured(items.count) { i -> ItemSummary in
            let item = items[i]
            let (classes, tempo) = encoding[item]!
            // Chance: the next movie (in item order) with other genres.
            let other = (1..<items.count).lazy.map { encoding[items[(i + $0) % items.count]]!.classes }.first { $0 != classes } ?? []
            let d = try ItemSummaries.measure(dataset, item: item)
            let bpm = SurrogateSoundtrack.beatsPerMinute(tempo: tempo)
            let within = abs(d.tempoBPM - bpm) / bpm <= 0.04
            func near(_ levels: [Double]) -> Bool { levels.contains { abs(d.tempoBPM - $0 * bpm) / ($0 * bpm) <= 0.04 } }
            let octave = near([0.5, 1, 2])
            // The rhythms are bars of 8 eighth notes; some repeat every 3 (x2/3) rather than every 2 (the beat).
            let metrical = near([0.5, 2.0 / 3, 1, 1.5, 2])
            return ItemSummary(item: item, encodedBPM: bpm, voices: classes, descriptors: d, summary: AudioSummary.text(d),
                               tempoRecovered: within, tempoOctave: octave, tempoMetrical: metrical, pitchInGenreVoice: inVoice(d.pitchHz, classes),
                               pitchInOtherItemsVoice: inVoice(d.pitchHz, other))
        }
        let n = Double(rows.count)
        func share(_ f: (ItemSummary) -> Bool) -> Double { Double(rows.filter(f).count) / n }
        let errors = rows.map { abs($0.descriptors.tempoBPM - $0.encodedBPM) }.sorted()
        let recovery = Recovery(
            dataset: "ml100k", audio: dataset.audioDescription, items: rows.count,
            tempoWithin4Percent: share { $0.tempoRecovered }, tempoWithin4PercentUpToAnOctave: share { $0.tempoOctave },
            tempoWithin4PercentOfAMetricalLevel: share { $0.tempoMetrical },
            tempoMedianAbsoluteErrorBPM: errors[errors.count / 2],
            pitchInAGenreVoice: share { $0.pitchInGenreVoice }, pitchInAnotherMoviesGenreVoice: share { $0.pitchInOtherItemsVoice },
            rows: rows)
        print(String(format: "summarize: ml100k, %d surrogate soundtracks (SURROGATE audio: %@)", rows.count, dataset.audioDescription))
        print(String(format: "  tempo: %.1f%% within 4%% of the release-year tempo, %.1f%% up to an octave (x0.5, x2), %.1f%% of a metrical "
                     + "level (also x2/3, x3/2); median error %.1f BPM", 100 * recovery.tempoWithin4Percent,
                     100 * recovery.tempoWithin4PercentUpToAnOctave, 100 * recovery.tempoWithin4PercentOfAMetricalLevel,
                     recovery.tempoMedianAbsoluteErrorBPM))
        print(String(format: "  genre voice: the pitch lies in one of the movie's genre voices' note ranges for %.1f%% of the movies "
                     + "(another movie's genres: %.1f%%, chance)", 100 * recovery.pitchInAGenreVoice, 100 * recovery.pitchInAnotherMoviesGenreVoice))
        return recovery
    }
}

extension SummarizeCommand {
    struct SoundFactorRow: Codable {
        var item: Int; var soundFactor: Int; var descriptors: AudioDescriptors; var summary: String
        var pitchInItsVoice: Bool; var pitchInAnotherItemsVoice: Bool; var nearestVoice: Int
    }
    struct SoundFactorRecovery: Codable {
        var dataset: String; var audio: String; var items: Int; var soundFactors: Int
        var pitchInItsVoice: Double; var pitchInAnotherItemsVoice: Double
        var nearestVoiceAccuracy: Double; var nearestVoiceChance: Double
        var rows: [SoundFactorRow]
    }

    /// synthlens: each item's soundtrack is its sound factor's voice (the tempo is a per-item
    /// draw and carries nothing). How often the measured pitch lies in that voice's note range
    /// (beside another item's voice: chance), and how often the voice whose range centre (in
    /// log frequency) is nearest the pitch is the item's own (chance: 1 / factors).
    func synthLensRecovery() throws -> SoundFactorRecovery {
        let options = try SynthLensOptions.preset(preset)
        let world = try SynthLensWorld.generate(options)
        let dataset = try RecDataset.synthLens(options, name: "synthlens-\(preset)")
        let voices = options.soundFactors
        let ranges = (0..<voices).map { SurrogateSoundtrack.noteRange(voice: $0, voices: voices) }
        let centres = ranges.map { (log($0.lowerBound) + log($0.upperBound)) / 2 }
        let items = world.items
        let rows = try measured(items.count) { i -> SoundFactorRow in
            let item = items[i]
            let other = (1..<items.count).lazy.map { items[(i + $0) % items.count].soundFactor }.first { $0 != item.soundFactor } ?? item.soundFactor
            let d = try ItemSummaries.measure(dataset, item: item.id)
            let nearest = centres.indices.min { abs(centres[$0] - log(d.pitchHz)) < abs(centres[$1] - log(d.pitchHz)) }!
            return SoundFactorRow(item: item.id, soundFactor: item.soundFactor, descriptors: d, summary: AudioSummary.text(d),
                                  pitchInItsVoice: ranges[item.soundFactor].contains(d.pitchHz),
                                  pitchInAnotherItemsVoice: ranges[other].contains(d.pitchHz), nearestVoice: nearest)
        }
        let n = Double(rows.count)
        func share(_ f: (SoundFactorRow) -> Bool) -> Double { Double(rows.filter(f).count) / n }
        let r = SoundFactorRecovery(dataset: dataset.name, audio: dataset.audioDescription, items: rows.count, soundFactors: voices,
                                    pitchInItsVoice: share { $0.pitchInItsVoice }, pitchInAnotherItemsVoice: share { $0.pitchInAnotherItemsVoice },
                                    nearestVoiceAccuracy: share { $0.nearestVoice == $0.soundFactor }, nearestVoiceChance: 1 / Double(voices),
                                    rows: rows)
        print(String(format: "summarize: %@, %d surrogate soundtracks of %d sound factors (SURROGATE audio)", dataset.name, rows.count, voices))
        print(String(format: "  sound factor: the pitch lies in the item's voice's note range for %.1f%% of the items (another item's voice: %.1f%%, chance); "
                     + "the nearest voice by pitch is the item's own for %.1f%% (chance %.1f%%)", 100 * r.pitchInItsVoice,
                     100 * r.pitchInAnotherItemsVoice, 100 * r.nearestVoiceAccuracy, 100 * r.nearestVoiceChance))
        return r
    }
}

extension JSONEncoder {
    /// Pretty, key-sorted JSON: the same bytes for the same values.
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return e
    }
}
