// The Swift FBank against kaldi-native-fbank 1.23.0 and torchaudio 2.11.0 (compliance.kaldi) on
// every committed case, and stage by stage where the fixture holds the stages.
import AudioFeatures
import Foundation
import HDF5Storage
import SeededRandom
import Testing
import TestSupport

/// Case names from the fixture; an unreadable fixture yields one name that fails loudly.
let goldenCaseNames: [String] = (try? Golden.caseNames()) ?? ["<\(goldenPath) unreadable>"]

/// Names of the random sweep (40 seeded option sets and signals, see make_fbank_fixtures.py).
let sweepNames: [String] = (try? Golden.open().children(of: "/sweep")) ?? ["<\(goldenPath) unreadable>"]

@Suite("FBank vs golden fixtures")
struct FBankFixtureTests {
    @Test func fixtureCoversTheIssueList() throws {
        // tones, chirp, noise, silence+tone, shorter than a frame, one frame, the real clip;
        // 23/40/64/80/128 bins; snip on/off; >= 3 windows; energy on/off.
        #expect(goldenCaseNames.count >= 30)
        let reader = try Golden.open()
        var bins = Set<Int>(), windows = Set<WindowType>(), snip = Set<Bool>(), energy = Set<Bool>()
        for name in goldenCaseNames {
            let c = try Golden.load(name, reader: reader)
            bins.insert(c.options.numMelBins); windows.insert(c.options.windowType)
            snip.insert(c.options.snipEdges); energy.insert(c.options.useEnergy)
        }
        #expect(bins.isSuperset(of: [23, 40, 64, 80, 128]))
        #expect(windows.count >= 3 && snip.count == 2 && energy.count == 2)
    }

    @Test(arguments: goldenCaseNames)
    func featuresMatchBothReferences(_ name: String) throws {
        let reader = try Golden.open()
        let c = try Golden.load(name, reader: reader)
        let features = try FBank(options: c.options).compute(c.signal)
        let D = c.options.featureDimension
        // Frame counts exactly (kaldi-native-fbank is the reference for every case).
        #expect(features.numFrames == c.knf.shape[0], "\(name): frames \(features.numFrames) vs knf \(c.knf.shape) \(regenerateHint)")
        #expect(features.dimension == D && (c.knf.shape.count < 2 || c.knf.shape[1] == D || c.knf.shape[0] == 0))
        var check = LogMelCheck()
        check.compare(features.values, c.knf.values, columns: D, logDomain: c.options.useLogFbank, what: "\(name) vs kaldi-native-fbank")
        var line = "fixture \(name): F=\(features.numFrames) max|err| vs knf \(String(format: "%.2e", check.maxAbsAboveFloor))"
        if let ta = c.torchaudio {
            #expect(features.numFrames == ta.shape[0], "\(name): frames vs torchaudio")
            var t = LogMelCheck()
            t.compare(features.values, ta.values, columns: D, logDomain: c.options.useLogFbank, what: "\(name) vs torchaudio")
            line += String(format: ", vs torchaudio %.2e", t.maxAbsAboveFloor)
            check.failures += t.failures
        }
        print(line)
        #expect(check.failures.isEmpty, "\(check.failures.count) values out of tolerance, first: \(check.failures.prefix(3)) \(regenerateHint)")
    }

    @Test(arguments: goldenCaseNames)
    func stagesMatchTorchaudio(_ name: String) throws {
        let reader = try Golden.open()
        let c = try Golden.load(name, reader: reader)
        guard c.has("stage_frame_index") else { return }  // stages are stored for 11 of the cases
        let fbank = try FBank(options: c.options)
        let index = try reader.read(Int64.self, "\(c.group)/stage_frame_index").values.map { Int($0) }
        var unused = SeedBook(seed: 0).stream(.dither)
        let s = fbank.stages(c.signal, frames: index, dither: &unused)
        // Frames are copies of samples (mirrored at the edges): exact.
        expectClose(s.frames, try c.read("frames").values, atol: 0, "\(name) frames (copies: exact)")
        // Windowed frames: a few float roundings (mean, pre-emphasis, window) on values <= 1.
        expectClose(s.windowedFrames, try c.read("windowed_frames").values, atol: 2e-6,
                    "\(name) windowed frames (float rounding of mean, pre-emphasis, window)")
        // Power spectrum: FFTW vs PocketFFT in float; errors scale with the frame's energy.
        let K = c.options.spectrumBins
        let refPower = try c.read("power_spectrum").values
        for r in 0..<index.count {
            let row = Array(refPower[(r * K)..<((r + 1) * K)])
            let scale = Double(row.max() ?? 0)
            expectClose(Array(s.spectrum[(r * K)..<((r + 1) * K)]), row, atol: 1e-6 * scale + 1e-9, rtol: 1e-4,
                        "\(name) power spectrum frame \(index[r]) (float FFT rounding relative to the frame's peak)")
        }
        if c.options.useEnergy {
            expectClose(s.logEnergy, try c.read("log_energy").values, atol: 1e-4, "\(name) log energy (float sums)")
        }
        // Mel matrix against both libraries (torchaudio's lacks the Nyquist column, always 0).
        let dense = fbank.melBanks.denseMatrix
        expectClose(dense, try c.read("mel_matrix").values, atol: 1e-6, "\(name) mel matrix vs kaldi-native-fbank (issue: 1e-6)")
        let ta = try c.read("mel_matrix_torchaudio")
        let M = c.options.numMelBins
        var withoutNyquist: [Float] = []
        for m in 0..<M { withoutNyquist += dense[(m * K)..<(m * K + K - 1)] }
        // torchaudio builds the bin edges from Python doubles but the weights in float32 tensor
        // arithmetic, so its matrix differs from Kaldi's float computation (which ours and
        // kaldi-native-fbank reproduce exactly) by up to 2.1e-5 on these cases.
        expectClose(withoutNyquist, ta.values, atol: 5e-5, "\(name) mel matrix vs torchaudio (its mixed double/float32 edges)")
        #expect((0..<M).allSatisfy { dense[$0 * K + K - 1] == 0 }, "Nyquist weight must be 0")
    }

    @Test(arguments: sweepNames)
    func randomSweepMatchesBothReferences(_ name: String) throws {
        let reader = try Golden.open()
        let g = "/sweep/\(name)"
        let o = try Golden.options(g, reader: reader)
        let features = try FBank(options: o).compute(try reader.read(Float.self, "\(g)/signal").values)
        let knf = try reader.read(Float.self, "\(g)/knf_fbank")
        #expect(features.numFrames == knf.shape[0], "\(name): frames \(features.numFrames) vs \(knf.shape)")
        var check = LogMelCheck()
        check.compare(features.values, knf.values, columns: o.featureDimension, logDomain: o.useLogFbank, what: "\(name) vs kaldi-native-fbank")
        if reader.exists("\(g)/torchaudio_fbank") {
            check.compare(features.values, try reader.read(Float.self, "\(g)/torchaudio_fbank").values,
                          columns: o.featureDimension, logDomain: o.useLogFbank, what: "\(name) vs torchaudio")
        }
        print("sweep \(name) (\(Int(o.sampleFrequency)) Hz, \(o.windowType), P=\(o.paddedWindowSize)): max|err| \(String(format: "%.2e", check.maxAbsAboveFloor))")
        #expect(check.failures.isEmpty, "\(check.failures.count) out of tolerance, first: \(check.failures.prefix(3)) \(regenerateHint)")
    }

    @Test func windowsMatchKaldiNativeFbank() throws {
        let reader = try Golden.open()
        for w in WindowType.allCases {
            let ref = try reader.read(Float.self, "/windows/\(w.rawValue)").values
            expectClose(w.coefficients(length: 400), ref, atol: 1e-7, "\(w) window, 400 samples (computed in Double, stored as Float)")
        }
    }

    @Test func realClipDecodesAndResamplesLikeTheGenerator() throws {
        let reader = try Golden.open()
        guard case let .string(sha) = try reader.attribute("clip_sha256") else { Issue.record("clip_sha256 missing"); return }
        #expect(try FBankFile.sha256(path: clipPath) == sha, "committed WAV differs from the one the fixture was made from \(regenerateHint)")
        let decoded = try AudioFile.read(path: clipPath)
        #expect(decoded.sourceChannels == 2 && decoded.sourceSampleRate == 44100)
        expectClose(decoded.samples, try reader.read(Float.self, "/clip/downmixed").values, atol: 0,
                    "down-mix (mean of two channels, both sides in float32: exact)")
        let resampled = try AudioFrontEnd.loadSamples(path: clipPath, options: AudioFrontEndOptions(maxSeconds: nil))
        let ref = try reader.read(Float.self, "/clip/resampled_16k").values
        #expect(resampled.count == ref.count)
        expectClose(resampled, ref, atol: 1e-6, "libsamplerate sinc-best 44.1 -> 16 kHz, same library from Python (float rounding)")
    }

    @Test func realClipEndToEnd() throws {
        // File -> features in one call equals the kaldi-native-fbank reference on the fixture's samples.
        let reader = try Golden.open()
        let c = try Golden.load("real_amen_base", reader: reader)
        let f = try AudioFrontEnd.features(path: clipPath, options: AudioFrontEndOptions(fbank: c.options, maxSeconds: nil),
                                           fbank: FBank(options: c.options))
        var check = LogMelCheck()
        check.compare(f.values, c.knf.values, columns: c.options.featureDimension, logDomain: true, what: "real clip end to end")
        #expect(check.failures.isEmpty, "\(check.failures.prefix(3))")
    }
}
