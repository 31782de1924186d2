// From an audio file to FBank features: decode (libsndfile), down-mix to mono, resample to the
// FBank sample rate (libsamplerate), keep the first `maxSeconds`, compute the features.
//
// Short-clip policy: a clip shorter than `maxSeconds` is used as it is, never padded; it simply
// has fewer frames (F = 1 + (N - L) / shift with snip_edges, (N + shift/2) / shift without).
// A clip that yields no frame at all (fewer than L samples with snip_edges = true, or fewer than
// shift/2 without) is an error naming the file, where Kaldi would silently output nothing.
import Foundation
import SeededRandom

/// Everything that decides the features of a file.
public struct AudioFrontEndOptions: Codable, Sendable, Equatable {
    /// The FBank options; `fbank.sampleFrequency` is also the rate audio is resampled to.
    public var fbank = FBankOptions()
    /// Keep only the first this many seconds (nil: the whole clip). The paper uses 30 s.
    public var maxSeconds: Double? = 30
    /// libsamplerate converter.
    public var resampleQuality: Resampler.Quality = .sincBest
    /// Seed of the `.dither` stream (used only when fbank.dither > 0).
    public var ditherSeed: UInt64 = 0

    public init(fbank: FBankOptions = FBankOptions(), maxSeconds: Double? = 30) {
        self.fbank = fbank
        self.maxSeconds = maxSeconds
    }

    /// Checks the options (FBank options plus the front-end ones).
    public func validate() throws {
        try fbank.validate()
        guard fbank.sampleFrequency == fbank.sampleFrequency.rounded() else {
            throw FBankError.invalidOption("sample_frequency", "must be a whole number of Hz to resample to, got \(fbank.sampleFrequency)")
        }
        if let s = maxSeconds, !(s > 0 && s.isFinite) {
            throw FBankError.invalidOption("max_seconds", "must be positive, got \(s)")
        }
    }

    /// Canonical one-line text of every option (stored with caches; a change forces recomputation).
    public var canonicalText: String {
        fbank.canonicalText + ";max_seconds=\(maxSeconds.map { "\($0)" } ?? "none");resample_quality=\(resampleQuality.rawValue);dither_seed=\(ditherSeed)"
    }
}

public enum AudioFrontEnd {
    /// Decoded, mono, resampled and truncated samples of `path`, checked for use with `options`.
    public static func loadSamples(path: String, options: AudioFrontEndOptions) throws -> [Float] {
        try options.validate()
        let target = Int(options.fbank.sampleFrequency)
        // Decode a little beyond the cut so the resampler's filter sees real signal at the cut.
        let sourceRate = try AudioFile.header(path: path).sampleRate
        let maxFrames = options.maxSeconds.map { Int(($0 * Double(sourceRate)).rounded(.up)) + sourceRate / 10 + 64 }
        let clip = try AudioFile.read(path: path, maxFrames: maxFrames)
        let high = options.fbank.effectiveHighFreq
        guard Float(clip.sourceSampleRate) >= 2 * high else {
            throw FBankError.badInput(path, "sample rate \(clip.sourceSampleRate) Hz is below twice the high frequency \(high) Hz: the mel bins above \(clip.sourceSampleRate / 2) Hz would hold no signal (lower --high-freq or use a higher-rate source)")
        }
        var samples = try Resampler.resample(clip.samples, from: clip.sourceSampleRate, to: target, quality: options.resampleQuality)
        if let s = options.maxSeconds {
            let keep = Int((s * Double(target)).rounded(.down))
            if samples.count > keep { samples.removeLast(samples.count - keep) }
        }
        let layout = FrameLayout(options: options.fbank)
        guard layout.numFrames(samples: samples.count) > 0 else {
            let need = options.fbank.snipEdges ? "\(layout.windowSize) samples for one frame with snip_edges=true"
                : "\(layout.windowShift / 2 + (layout.windowShift % 2 == 0 ? 0 : 1)) samples for one frame with snip_edges=false"
            throw FBankError.badInput(path, "too short: \(samples.count) samples at \(target) Hz, need \(need) (Kaldi would output no frames)")
        }
        return samples
    }

    /// Features of `path`, computed with `fbank` (whose options must equal `options.fbank`).
    /// Dither, when on, draws from SeedBook(seed: options.ditherSeed).stream(.dither, ditherKey), so
    /// an item's features do not depend on which thread or in which order it was computed.
    public static func features(path: String, options: AudioFrontEndOptions, fbank: FBank,
                                ditherKey: String = "") throws -> FBankFeatures {
        let samples = try loadSamples(path: path, options: options)
        return try features(samples: samples, options: options, fbank: fbank, ditherKey: ditherKey)
    }

    /// Features of samples already at the FBank rate (for rendered or surrogate audio).
    public static func features(samples: [Float], options: AudioFrontEndOptions, fbank: FBank,
                                ditherKey: String = "") throws -> FBankFeatures {
        var x = samples
        if let s = options.maxSeconds {
            let keep = Int((s * Double(options.fbank.sampleFrequency)).rounded(.down))
            if x.count > keep { x.removeLast(x.count - keep) }
        }
        if options.fbank.dither > 0 {
            var stream = SeedBook(seed: options.ditherSeed).stream(.dither, ditherKey)
            return fbank.compute(x, dither: &stream)
        }
        return try fbank.compute(x)
    }
}

