// FBank options: every frame-extraction and mel-bank option of Kaldi's compute-fbank-feats
// (kaldi/src/feat/feature-window.h, mel-computations.h, feature-fbank.h), with the same meanings.
// Coding keys are Kaldi's command-line names with underscores (as torchaudio.compliance.kaldi
// spells them); they are also the HDF5 attribute names written with every feature file.
//
// NOTE deviations from Kaldi's defaults, on purpose:
//  - dither defaults to 0 (Kaldi: 1.0 on int16-scale input; kaldi-native-fbank: 3e-5), so that
//    features are deterministic unless dither is asked for; when asked, it draws from the
//    project's seeded `.dither` stream, not Kaldi's generator.
//  - input scale: samples are taken as libsndfile gives them, in [-1, 1]; `inputScale = .int16`
//    multiplies by 32768 first, as Kaldi's tools see 16-bit WAV data. Neither Kaldi port rescales,
//    so the two policies differ by 2 ln(32768) = 20.79 in every log-mel value.
//  - not offered: VTLN warping, htk_compat, subtract_mean, and kaldi-native-fbank's extra
//    non-Kaldi options (librosa mel, Slaney norm); their Kaldi defaults (off) are what we compute.
import Foundation

/// Kaldi's window functions (feature-window.cc, FeatureWindowFunction).
public enum WindowType: String, CaseIterable, Codable, Sendable {
    case povey, hamming, hanning, rectangular, blackman
}

/// How decoded samples are scaled before feature extraction.
public enum InputScale: String, CaseIterable, Codable, Sendable {
    /// As libsndfile returns them: integer PCM divided by its full scale, i.e. in [-1, 1].
    case unit
    /// Multiplied by 32768, the scale Kaldi's tools read 16-bit WAV files at.
    case int16

    /// The factor applied to every sample.
    public var factor: Float { self == .unit ? 1 : 32768 }
}

/// Options of the Kaldi filter bank. Defaults are Kaldi's, except `dither` (0, see the file note).
public struct FBankOptions: Codable, Sendable, Equatable, Hashable {
    // Frame extraction (Kaldi FrameExtractionOptions).
    /// Sample rate of the waveform in Hz (`--sample-frequency`, Kaldi samp_freq).
    public var sampleFrequency: Float = 16000
    /// Frame length in milliseconds (`--frame-length`).
    public var frameLength: Float = 25
    /// Frame shift in milliseconds (`--frame-shift`).
    public var frameShift: Float = 10
    /// Standard deviation of the Gaussian dither added to every sample of every frame (0: none).
    public var dither: Float = 0
    /// Pre-emphasis coefficient (`--preemphasis-coefficient`, Kaldi preemph_coeff).
    public var preemphasisCoefficient: Float = 0.97
    /// Subtract each frame's mean before the energy, pre-emphasis and window.
    public var removeDcOffset: Bool = true
    /// The analysis window.
    public var windowType: WindowType = .povey
    /// Zero-pad each frame to the next power of two before the FFT.
    public var roundToPowerOfTwo: Bool = true
    /// Constant coefficient of the generalised Blackman window.
    public var blackmanCoeff: Float = 0.42
    /// true: only frames that fit completely in the signal; false: frame count from the shift
    /// alone, with the signal mirrored at both ends.
    public var snipEdges: Bool = true

    // Mel banks (Kaldi MelBanksOptions; compute-fbank-feats sets num_bins to 23).
    /// Number of triangular mel bins M (`--num-mel-bins`).
    public var numMelBins: Int = 23
    /// Lower edge of the first mel bin in Hz.
    public var lowFreq: Float = 20
    /// Upper edge of the last mel bin in Hz; zero or negative means an offset from Nyquist.
    public var highFreq: Float = 0

    // FBank (Kaldi FbankOptions).
    /// Prepend the log energy of the frame as an extra first column.
    public var useEnergy: Bool = false
    /// Floor on the energy (absolute, not log); 0 means no floor beyond float epsilon.
    public var energyFloor: Float = 0
    /// Energy measured before pre-emphasis and window (true) or after the window (false).
    public var rawEnergy: Bool = true
    /// Log of the mel energies (floored at float epsilon) instead of the linear energies.
    public var useLogFbank: Bool = true
    /// Power spectrum (true) or magnitude spectrum (false).
    public var usePower: Bool = true

    // Project-specific.
    /// Scale applied to the samples before anything else (see `InputScale`).
    public var inputScale: InputScale = .unit

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case sampleFrequency = "sample_frequency", frameLength = "frame_length", frameShift = "frame_shift"
        case dither, preemphasisCoefficient = "preemphasis_coefficient", removeDcOffset = "remove_dc_offset"
        case windowType = "window_type", roundToPowerOfTwo = "round_to_power_of_two"
        case blackmanCoeff = "blackman_coeff", snipEdges = "snip_edges", numMelBins = "num_mel_bins"
        case lowFreq = "low_freq", highFreq = "high_freq", useEnergy = "use_energy", energyFloor = "energy_floor"
        case rawEnergy = "raw_energy", useLogFbank = "use_log_fbank", usePower = "use_power"
        case inputScale = "input_scale"
    }

    // MARK: Derived sizes (Kaldi FrameExtractionOptions::WindowShift/WindowSize/PaddedWindowSize)

    /// Samples per frame shift. Computed in Float in Kaldi's order, samp_freq * 0.001 * ms.
    public var windowShift: Int { Int(sampleFrequency * Float(0.001) * frameShift) }
    /// Samples per frame (L).
    public var windowSize: Int { Int(sampleFrequency * Float(0.001) * frameLength) }
    /// FFT length P: L rounded up to a power of two, or L.
    public var paddedWindowSize: Int {
        let size = windowSize
        guard roundToPowerOfTwo, size > 1 else { return size }
        var p = 1
        while p < size { p <<= 1 }
        return p
    }
    /// Number of spectrum bins K = P/2 + 1.
    public var spectrumBins: Int { paddedWindowSize / 2 + 1 }
    /// Output columns D: M, plus one for the energy.
    public var featureDimension: Int { numMelBins + (useEnergy ? 1 : 0) }
    /// The effective upper mel edge in Hz (Kaldi: high_freq <= 0 means Nyquist + high_freq).
    public var effectiveHighFreq: Float {
        highFreq > 0 ? highFreq : 0.5 * sampleFrequency + highFreq
    }

    /// Checks the options as Kaldi does; the error names the option and the reason.
    public func validate() throws {
        func bad(_ name: String, _ why: String) -> FBankError { .invalidOption(name, why) }
        guard sampleFrequency.isFinite, sampleFrequency > 0 else { throw bad("sample_frequency", "must be positive, got \(sampleFrequency)") }
        guard frameShift.isFinite, windowShift > 0 else { throw bad("frame_shift", "gives \(windowShift) samples; must be at least 1") }
        guard frameLength.isFinite, windowSize >= 2 else { throw bad("frame_length", "gives \(windowSize) samples; must be at least 2") }
        guard paddedWindowSize % 2 == 0 else {
            throw bad("frame_length", "the FFT length \(paddedWindowSize) must be even (use round_to_power_of_two or change frame_length)")
        }
        guard dither.isFinite, dither >= 0 else { throw bad("dither", "must be >= 0, got \(dither)") }
        guard preemphasisCoefficient >= 0, preemphasisCoefficient <= 1 else { throw bad("preemphasis_coefficient", "must be in [0, 1], got \(preemphasisCoefficient)") }
        guard blackmanCoeff.isFinite else { throw bad("blackman_coeff", "must be finite") }
        guard numMelBins >= 3 else { throw bad("num_mel_bins", "must be at least 3, got \(numMelBins)") }
        let nyquist = 0.5 * sampleFrequency
        guard lowFreq.isFinite, lowFreq >= 0, lowFreq < nyquist else { throw bad("low_freq", "\(lowFreq) Hz must be in [0, Nyquist \(nyquist) Hz)") }
        let high = effectiveHighFreq
        guard highFreq.isFinite, high > 0, high <= nyquist, high > lowFreq else {
            throw bad("high_freq", "effective high frequency \(high) Hz must be in (low_freq \(lowFreq), Nyquist \(nyquist)] Hz")
        }
        guard energyFloor.isFinite, energyFloor >= 0 else { throw bad("energy_floor", "must be >= 0, got \(energyFloor)") }
    }

    /// Every option as (attribute name, value text), in declaration order, for stored files and logs.
    public var namedValues: [(String, String)] {
        [
            ("sample_frequency", "\(sampleFrequency)"), ("frame_length", "\(frameLength)"),
            ("frame_shift", "\(frameShift)"), ("dither", "\(dither)"),
            ("preemphasis_coefficient", "\(preemphasisCoefficient)"), ("remove_dc_offset", "\(removeDcOffset)"),
            ("window_type", windowType.rawValue), ("round_to_power_of_two", "\(roundToPowerOfTwo)"),
            ("blackman_coeff", "\(blackmanCoeff)"), ("snip_edges", "\(snipEdges)"),
            ("num_mel_bins", "\(numMelBins)"), ("low_freq", "\(lowFreq)"), ("high_freq", "\(highFreq)"),
            ("use_energy", "\(useEnergy)"), ("energy_floor", "\(energyFloor)"), ("raw_energy", "\(rawEnergy)"),
            ("use_log_fbank", "\(useLogFbank)"), ("use_power", "\(usePower)"), ("input_scale", inputScale.rawValue),
        ]
    }

    /// A one-line canonical text of all options (used to detect a cache made with other options).
    public var canonicalText: String { namedValues.map { "\($0.0)=\($0.1)" }.joined(separator: ";") }
}
