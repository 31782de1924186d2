import Foundation

// Measured descriptors of a clip, for the text summaries of issue 28 (MLLM-MSR adapted to audio:
// each item's soundtrack turned into a short text beside its title). Deterministic: fixed
// frames, one FFTW plan (FFTW_ESTIMATE), sums in a fixed order.
//
// Frames: 2048-sample Hann windows (128 ms at 16 kHz) every 256 samples (16 ms), power spectra
// |X(f)|^2 through BatchRealFFT. From them:
//   loudness   20 log10(RMS) of the whole clip, dBFS (a full-scale sine reads -3.01 dB);
//   centroid   sum_f f P(f) / sum_f P(f), P summed over every frame: the clip's brightness in Hz
//              (a pure tone reads its frequency);
//   pitch      the frequency of the strongest bin of P below 3 kHz, refined by parabolic
//              interpolation of the log power (Smith and Serra's quadratic peak interpolation):
//              the dominant fundamental of a harmonic clip whose partials fall off;
//   tempo      from onset autocorrelation, as in librosa's beat.tempo (Ellis 2007, "Beat
//              tracking by dynamic programming"): onset strength o[t] = sum_f max(0, L[t, f] -
//              L[t-1, f]) with L = log(1 + 1000 |X|) (half-wave rectified spectral flux of the
//              log magnitude), o minus its mean; r(lag) = sum_t o[t] o[t + lag] / (count) over
//              the lags of 40-200 BPM, weighted by a log-normal prior centred at 120 BPM with a
//              sigma of one octave (librosa's start_bpm and std_bpm); the best lag refined by
//              parabolic interpolation of r; BPM = 60 / (lag * hop seconds).
// The words of the summary come from fixed thresholds (`AudioSummary`).

/// What `AudioDescriptors.measure` reads from a clip.
public struct AudioDescriptors: Codable, Sendable, Equatable {
    /// 20 log10(RMS), dBFS.
    public var loudnessDB: Double
    /// Spectral centroid of the clip's summed power spectrum, Hz.
    public var centroidHz: Double
    /// Strongest spectral peak below 3 kHz, Hz.
    public var pitchHz: Double
    /// Tempo from onset autocorrelation, beats per minute (40-200).
    public var tempoBPM: Double
    /// Seconds of audio measured.
    public var seconds: Double

    public init(loudnessDB: Double, centroidHz: Double, pitchHz: Double, tempoBPM: Double, seconds: Double) {
        self.loudnessDB = loudnessDB
        self.centroidHz = centroidHz
        self.pitchHz = pitchHz
        self.tempoBPM = tempoBPM
        self.seconds = seconds
    }

    /// Frame length and hop of the spectra, samples (at any sample rate).
    public static let frameLength = 2048, hop = 256
    /// The tempo search range and prior (librosa's defaults).
    public static let tempoRange = 40.0...200.0, priorBPM = 120.0, priorOctaves = 1.0
    /// Highest pitch considered.
    public static let maxPitchHz = 3000.0

    /// Measures `samples` (mono, full scale 1) at `sampleRate`; the clip must hold at least two
    /// frames and some signal (one line naming `name` otherwise).
    public static func measure(_ samples: [Float], sampleRate: Int, name: String = "clip") throws -> AudioDescriptors {
        let P = frameLength, frames = samples.count >= P ? 1 + (samples.count - P) / hop : 0
        guard frames >= 2 else {
            throw FBankError.badInput(name, "\(samples.count) samples, the descriptors need at least \(P + hop) (two frames of \(P))")
        }
        var energy = 0.0
        for x in samples { energy += Double(x) * Double(x) }
        let rms = (energy / Double(samples.count)).squareRoot()
        guard rms > 0 else { throw FBankError.badInput(name, "silent: no descriptor can be measured") }

        let window = (0..<P).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(P))) }
        let bins = P / 2 + 1
        var power = [Double](repeating: 0, count: bins)          // summed over frames
        var onset = [Double](repeating: 0, count: frames)
        var previous = [Float](repeating: 0, count: bins)
        let block = 64
        let fft = BatchRealFFT(length: P, batch: block)
        var start = 0
        while start < frames {
            let count = min(block, frames - start)
            for r in 0..<block {
                let row = fft.input + r * P
                if r < count {
                    let offset = (start + r) * hop
                    for i in 0..<P { row[i] = samples[offset + i] * window[i] }
                } else {
                    row.update(repeating: 0, count: P)
                }
            }
            fft.execute()
            for r in 0..<count {
                let out = fft.output + r * 2 * bins
                var flux = 0.0
                for k in 0..<bins {
                    let re = out[2 * k], im = out[2 * k + 1]
                    let p = re * re + im * im
                    power[k] += Double(p)
                    let level = log1pf(1000 * p.squareRoot())
                    if start + r > 0 { flux += Double(max(0, level - previous[k])) }
                    previous[k] = level
                }
                onset[start + r] = flux
            }
            start += count
        }
        let binHz = Double(sampleRate) / Double(P)
        var weighted = 0.0, total = 0.0
        for k in 0..<bins { weighted += Double(k) * binHz * power[k]; total += power[k] }
        let centroid = total > 0 ? weighted / total : 0

        // Pitch: the strongest bin in (0, maxPitchHz], refined on the log power.
        let top = min(bins - 2, Int(maxPitchHz / binHz))
        var best = 1
        for k in 1...max(1, top) where power[k] > power[best] { best = k }
        var pitch = Double(best) * binHz
        if best > 1 && best < bins - 1 && power[best - 1] > 0 && power[best + 1] > 0 {
            let (a, b, c) = (log(power[best - 1]), log(power[best]), log(power[best + 1]))
            let denominator = a - 2 * b + c
            if denominator < 0 { pitch += 0.5 * (a - c) / denominator * binHz }
        }

        let tempo = Self.tempo(onset: onset, framesPerSecond: Double(sampleRate) / Double(hop))
        return AudioDescriptors(loudnessDB: 20 * log10(rms), centroidHz: centroid, pitchHz: pitch, tempoBPM: tempo,
                                seconds: Double(samples.count) / Double(sampleRate))
    }

    /// BPM from an onset-strength envelope (see the header): the prior-weighted autocorrelation
    /// peak over 40-200 BPM, refined by parabolic interpolation.
    static func tempo(onset raw: [Double], framesPerSecond fps: Double) -> Double {
        let mean = raw.reduce(0, +) / Double(raw.count)
        let o = raw.map { $0 - mean }
        let shortest = max(1, Int((60 / tempoRange.upperBound * fps).rounded(.down)))
        let longest = min(o.count - 1, Int((60 / tempoRange.lowerBound * fps).rounded(.up)))
        guard longest > shortest + 1 else { return 0 }
        func autocorrelation(_ lag: Int) -> Double {
            var s = 0.0
            for t in 0..<(o.count - lag) { s += o[t] * o[t + lag] }
            return s / Double(o.count - lag)
        }
        let r = (0...(longest + 1)).map { $0 >= shortest - 1 ? autocorrelation($0) : 0 }
        func prior(_ lag: Double) -> Double {
            let octaves = log2(60 / (lag / fps) / priorBPM)
            return exp(-0.5 * octaves * octaves / (priorOctaves * priorOctaves))
        }
        var bestLag = shortest, bestScore = -Double.infinity
        for lag in shortest...longest {
            let score = r[lag] * prior(Double(lag))
            if score > bestScore { bestScore = score; bestLag = lag }
        }
        var lag = Double(bestLag)
        let (a, b, c) = (r[bestLag - 1], r[bestLag], r[bestLag + 1])
        let denominator = a - 2 * b + c
        if denominator < 0 { lag += 0.5 * (a - c) / denominator }
        return 60 / (lag / fps)
    }
}

/// The short text an item's descriptors turn into, with the words' fixed thresholds.
public enum AudioSummary {
    /// "tempo 118 BPM, bright, loud, mid register (pitch 410 Hz)": tempo rounded to the beat;
    /// brightness by centroid (dark < 500 Hz <= warm < 1,500 Hz <= bright); loudness by RMS
    /// (quiet < -30 dBFS <= moderate < -18 dBFS <= loud); register by pitch in octaves from
    /// 80 Hz (bass < 160 Hz <= low < 320 <= mid < 640 <= high < 1,280 <= very high).
    public static func text(_ d: AudioDescriptors) -> String { phrases(d).joined(separator: ", ") }

    /// The summary's phrases in a fixed order (tempo, brightness, loudness, register): a summary
    /// of length n keeps the first n (issue 28's summary-length ablation).
    public static func phrases(_ d: AudioDescriptors) -> [String] {
        let brightness = d.centroidHz < 500 ? "dark" : d.centroidHz < 1500 ? "warm" : "bright"
        let loudness = d.loudnessDB < -30 ? "quiet" : d.loudnessDB < -18 ? "moderate" : "loud"
        let register = d.pitchHz < 160 ? "bass" : d.pitchHz < 320 ? "low" : d.pitchHz < 640 ? "mid"
            : d.pitchHz < 1280 ? "high" : "very high"
        return ["tempo \(Int(d.tempoBPM.rounded())) BPM", brightness, loudness, "\(register) register (pitch \(Int(d.pitchHz.rounded())) Hz)"]
    }
}
