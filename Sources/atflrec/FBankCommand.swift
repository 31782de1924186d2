// `atflrec fbank`: Kaldi-compatible FBank features of one audio file into an HDF5 file, and the
// option group shared with `atflrec fbank-cache`. Option names are Kaldi's compute-fbank-feats
// flags; defaults are Kaldi's except dither (0 here, for determinism).
import ArgumentParser
import AudioFeatures
import Foundation

extension WindowType: ExpressibleByArgument {}
extension InputScale: ExpressibleByArgument {}
extension Resampler.Quality: ExpressibleByArgument {}

/// FBank and front-end options, Kaldi names and defaults (see AudioFeatures/FBankOptions.swift).
struct FBankArguments: ParsableArguments {
    @Option(help: "Number of triangular mel bins (Kaldi default 23; the paper's best is 80).")
    var numMelBins: Int = 23
    @Option(help: "Frame length in milliseconds.")
    var frameLength: Float = 25
    @Option(help: "Frame shift in milliseconds.")
    var frameShift: Float = 10
    @Option(help: "Dither: std of Gaussian noise added to each sample. Default 0 for determinism (Kaldi's default is 1.0 on int16-scale input); drawn from the seeded .dither stream.")
    var dither: Float = 0
    @Option(help: "Seed of the dither stream (used only when --dither > 0).")
    var ditherSeed: UInt64 = 0
    @Option(help: "Pre-emphasis coefficient.")
    var preemphasisCoefficient: Float = 0.97
    @Option(help: "Subtract each frame's mean (true|false).")
    var removeDcOffset: Bool = true
    @Option(help: "Window: povey, hamming, hanning, rectangular or blackman.")
    var windowType: WindowType = .povey
    @Option(help: "Zero-pad frames to a power of two before the FFT (true|false).")
    var roundToPowerOfTwo: Bool = true
    @Option(help: "Constant coefficient of the generalised Blackman window.")
    var blackmanCoeff: Float = 0.42
    @Option(help: "true: only frames that fit in the signal; false: frames from the shift alone, edges mirrored.")
    var snipEdges: Bool = true
    @Option(help: "Low edge of the mel bins in Hz.")
    var lowFreq: Float = 20
    @Option(help: "High edge of the mel bins in Hz; <= 0 means an offset from Nyquist.")
    var highFreq: Float = 0
    @Option(help: "Prepend the log energy as an extra first column (true|false).")
    var useEnergy: Bool = false
    @Option(help: "Energy before pre-emphasis and window (true) or after the window (false).")
    var rawEnergy: Bool = true
    @Option(help: "Floor on the energy (absolute); 0: none.")
    var energyFloor: Float = 0
    @Option(help: "Log mel energies (true) or linear (false).")
    var useLogFbank: Bool = true
    @Option(help: "Power spectrum (true) or magnitude (false).")
    var usePower: Bool = true
    @Option(help: "Sample rate in Hz the audio is resampled to and the FBank runs at.")
    var sampleFrequency: Float = 16000
    @Option(help: "Keep the first this many seconds (the paper: 30); 0 keeps the whole clip. Shorter clips are used as they are, never padded.")
    var maxSeconds: Double = 30
    @Option(help: "libsamplerate converter: sinc-best (97% bandwidth), sinc-medium (90%) or sinc-fastest (80%); sinc-best keeps the top mel bins intact.")
    var resampleQuality: Resampler.Quality = .sincBest
    @Option(help: "Input scale: unit (samples in [-1, 1] as decoded) or int16 (times 32768, as Kaldi's tools read 16-bit WAV).")
    var inputScale: InputScale = .unit

    var frontEnd: AudioFrontEndOptions {
        var f = FBankOptions()
        f.sampleFrequency = sampleFrequency
        f.frameLength = frameLength
        f.frameShift = frameShift
        f.dither = dither
        f.preemphasisCoefficient = preemphasisCoefficient
        f.removeDcOffset = removeDcOffset
        f.windowType = windowType
        f.roundToPowerOfTwo = roundToPowerOfTwo
        f.blackmanCoeff = blackmanCoeff
        f.snipEdges = snipEdges
        f.numMelBins = numMelBins
        f.lowFreq = lowFreq
        f.highFreq = highFreq
        f.useEnergy = useEnergy
        f.rawEnergy = rawEnergy
        f.energyFloor = energyFloor
        f.useLogFbank = useLogFbank
        f.usePower = usePower
        f.inputScale = inputScale
        var o = AudioFrontEndOptions(fbank: f, maxSeconds: maxSeconds > 0 ? maxSeconds : nil)
        o.ditherSeed = ditherSeed
        o.resampleQuality = resampleQuality
        return o
    }
}

/// Prints one line to stderr and exits non-zero.
func failFBank(_ command: String, _ error: Error) -> ExitCode {
    FileHandle.standardError.write(Data("atflrec \(command): \(error)\n".utf8))
    return ExitCode.failure
}

struct FBankCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fbank",
        abstract: "Kaldi-compatible log-mel filter-bank features of one audio file.",
        discussion: """
            Decodes AUDIO (WAV, FLAC, OGG/Vorbis, ...; mono or stereo, down-mixed by averaging), \
            resamples it to --sample-frequency with libsamplerate, keeps the first --max-seconds \
            and writes /fbank (float32, frames x bins; energy first with --use-energy true) with \
            every option as an attribute. Options take Kaldi's defaults except --dither (0).
            """)

    @Argument(help: "Audio file.")
    var audio: String
    @Option(help: "Output HDF5 file (written atomically).")
    var output: String
    @OptionGroup var options: FBankArguments

    func run() throws {
        do {
            let frontEnd = options.frontEnd
            try frontEnd.validate()
            let fbank = try FBank(options: frontEnd.fbank)
            let features = try AudioFrontEnd.features(path: audio, options: frontEnd, fbank: fbank)
            try FBankFile.write(features, options: frontEnd, source: audio,
                                sourceSHA256: try FBankFile.sha256(path: audio), to: output)
            print("\(output): \(features.numFrames) frames x \(features.dimension)")
        } catch {
            throw failFBank("fbank", error)
        }
    }
}
