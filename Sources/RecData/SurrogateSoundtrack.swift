import Foundation
import SeededRandom

// SURROGATE AUDIO. No per-item soundtrack exists offline for MovieLens (REFERENCE.md section 2),
// and the synthetic world needs audio with a known meaning. This generator renders a clip per
// item from metadata the text prompt does not contain, so any audio benefit measured with it is
// a benefit of *that* metadata, not of real soundtracks. Every report says so.
//
// A clip is the sum of one voice per "sound class" of the item (a genre of a movie, the sound
// factor of a synthetic item). A voice has
//   - a pitch band: the fundamental lies in a band one third of an octave wide, centred at
//     80 Hz * 2^(5 k / V) for voice k of V (80 Hz .. 2.5 kHz, log-spaced), so classes occupy
//     different mel bins;
//   - a timbre: harmonic amplitudes h^-rolloff (odd harmonics only for odd k), held in a
//     one-period wavetable, partials kept below 7 kHz;
//   - a rhythm: which of 8 eighth-note steps of a bar sound (a fixed bit pattern per voice),
//     with a noise burst on the sounding steps of every third voice.
// The tempo comes from a scalar in [0, 1] (the release year for movies): 60 + 80 t beats per
// minute. Per item, a seeded stream chooses the notes of the melody inside each band (a
// pentatonic set), their loudness and the starting phases: two items of the same classes and
// tempo sound alike but not identical.
//
// Deterministic: single-threaded Float arithmetic in a fixed order; the stream is derived from
// (seed, item id) only.

/// The options of the generator; stored (with `version`) beside every feature file made from it.
public struct SurrogateSoundtrackOptions: Codable, Sendable, Equatable {
    /// Bumped whenever the rendering changes a sample.
    public static let version = 1

    public var sampleRate = 16000
    public var seconds = 30.0
    /// Master seed of the per-item variation.
    public var seed: UInt64 = 0
    /// Number of distinct voices (sound classes) the generator knows.
    public var voices = 19

    public init(sampleRate: Int = 16000, seconds: Double = 30, seed: UInt64 = 0, voices: Int = 19) {
        self.sampleRate = sampleRate
        self.seconds = seconds
        self.seed = seed
        self.voices = voices
    }

    /// One line naming the generator, its version and options (stored with the features).
    public var description: String {
        "surrogate-soundtrack v\(Self.version) sample_rate=\(sampleRate) seconds=\(seconds) seed=\(seed) voices=\(voices)"
    }
}

public struct SurrogateSoundtrack: Sendable {
    public let options: SurrogateSoundtrackOptions
    private let tables: [[Float]]
    private static let tableSize = 2048

    public init(options: SurrogateSoundtrackOptions) {
        self.options = options
        tables = (0..<options.voices).map { Self.wavetable(voice: $0, voices: options.voices) }
    }

    /// Centre of voice k's pitch band in Hz.
    static func bandCentre(_ k: Int, voices: Int) -> Double { 80 * pow(2, 5 * Double(k) / Double(max(voices, 1))) }

    /// Beats per minute of tempo scalar `tempo` (clamped to [0, 1]).
    public static func beatsPerMinute(tempo: Double) -> Double { 60 + 80 * min(max(tempo, 0), 1) }

    /// Every frequency a note of voice k can take: the band's lowest note (0.89-0.95 of the
    /// centre) times a pentatonic ratio (1 to 5/3), an octave lower a fifth of the time.
    public static func noteRange(voice k: Int, voices: Int) -> ClosedRange<Double> {
        let c = bandCentre(k, voices: voices)
        return (0.5 * 0.89 * c)...(0.95 * c * 5 / 3)
    }

    /// Voice k's 8-step rhythm as bits (bit s = step s sounds); at least three steps sound.
    static func rhythm(_ k: Int) -> UInt8 {
        let patterns: [UInt8] = [0b1001_0101, 0b1111_1111, 0b1010_1010, 0b1000_1000, 0b1101_1011, 0b0111_0111,
                                 0b1001_1001, 0b1110_0000, 0b1010_0101, 0b1100_1100, 0b1011_0110]
        return patterns[k % patterns.count]
    }

    /// One period of voice k's waveform, peak-normalised.
    static func wavetable(voice k: Int, voices: Int) -> [Float] {
        let top = bandCentre(k, voices: voices) * 1.13
        let partials = max(1, min(8, Int(7000 / top)))
        let rolloff = 0.6 + 1.2 * Double((k * 7) % max(voices, 1)) / Double(max(voices, 1))
        var table = [Double](repeating: 0, count: tableSize)
        for h in 1...partials where k % 2 == 0 || h % 2 == 1 {
            let a = 1 / pow(Double(h), rolloff)
            for i in 0..<tableSize { table[i] += a * sin(2 * Double.pi * Double(h * i) / Double(tableSize)) }
        }
        let peak = max(table.map(abs).max() ?? 1, 1e-9)
        return table.map { Float($0 / peak) }
    }

    /// The clip of item `id` whose sound classes are `classes` (indices below `voices`; empty =
    /// a quiet noise floor only) at tempo scalar `tempo` in [0, 1].
    public func render(item id: Int, classes: [Int], tempo: Double) -> [Float] {
        let sr = Float(options.sampleRate)
        let n = Int(options.seconds * Double(options.sampleRate))
        var out = [Float](repeating: 0, count: n)
        var random = SeedBook(seed: options.seed).stream(.dataGeneration, "soundtrack/\(id)")
        let bpm = Self.beatsPerMinute(tempo: tempo)
        let step = Float(30 / bpm)                     // eighth note, seconds
        let stepSamples = max(1, Int(step * sr))
        let pentatonic: [Float] = [1, 9 / 8, 5 / 4, 3 / 2, 5 / 3]
        let mask = Self.tableSize - 1
        let voiceGain = 1 / Float(max(1, classes.count))
        for k in classes where k >= 0 && k < options.voices {
            let table = tables[k]
            // Per item: the band's lowest note (inside the one-third-octave band) and a melody.
            let low = Float(Self.bandCentre(k, voices: options.voices)) * random.uniform(0.89, 0.95)
            let pattern = Self.rhythm(k)
            var phase = random.uniformFloat()
            let noisy = k % 3 == 0
            var s = 0
            var start = 0
            while start < n {
                let end = min(n, start + stepSamples)
                if pattern & (1 << UInt8(s % 8)) != 0 {
                    let f = low * pentatonic[random.int(below: pentatonic.count)] * (random.bernoulli(0.2) ? 0.5 : 1)
                    let increment = f / sr * Float(Self.tableSize)
                    let loud = voiceGain * random.uniform(0.6, 1)
                    let decay = 1 / (0.35 * Float(stepSamples))
                    for i in start..<end {
                        let t = Float(i - start)
                        // 5 ms attack, exponential decay over the step.
                        let envelope = min(1, t / (0.005 * sr)) * expf(-t * decay)
                        out[i] += loud * envelope * table[Int(phase) & mask]
                        phase += increment
                        if phase >= Float(Self.tableSize) { phase -= Float(Self.tableSize) }
                    }
                    if noisy {
                        let burst = min(end, start + Int(0.03 * sr))
                        for i in start..<burst { out[i] += 0.3 * loud * random.uniform(-1, 1) * (1 - Float(i - start) / Float(burst - start)) }
                    }
                }
                s += 1
                start = end
            }
        }
        // A noise floor 40 dB under full scale keeps every frame's log energy finite.
        for i in 0..<n { out[i] = 0.5 * out[i] + 0.01 * random.uniform(-1, 1) }
        return out
    }
}

