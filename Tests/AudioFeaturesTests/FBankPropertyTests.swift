// Closed-form and structural checks of the FBank that need no reference library.
import AudioFeatures
import Foundation
import SeededRandom
import Testing
import TestSupport

private func tone(_ hz: Double, seconds: Double, rate: Double = 16000, amp: Double = 0.5) -> [Float] {
    (0..<Int(seconds * rate)).map { Float(amp * sin(2 * Double.pi * hz * Double($0) / rate)) }
}

private func options(_ edit: (inout FBankOptions) -> Void = { _ in }) -> FBankOptions {
    var o = FBankOptions()
    o.numMelBins = 80
    edit(&o)
    return o
}

@Suite("FBank properties")
struct FBankPropertyTests {
    @Test func optionsKaldiRejectsAreErrors() {
        // 128 bins on a 512-point FFT leave a low bin empty; Kaldi and kaldi-native-fbank refuse.
        #expect(throws: FBankError.self) { try FBank(options: options { $0.numMelBins = 128 }) }
        #expect(throws: FBankError.self) { try FBank(options: options { $0.highFreq = 9000 }) }
        #expect(throws: FBankError.self) { try FBank(options: options { $0.lowFreq = 8000 }) }
        #expect(throws: FBankError.self) { try FBank(options: options { $0.lowFreq = 5000; $0.highFreq = 4000 }) }
        #expect(throws: FBankError.self) { try FBank(options: options { $0.frameLength = 0.05 }) }
        #expect(throws: FBankError.self) { try FBank(options: options { $0.preemphasisCoefficient = 1.5 }) }
        #expect(throws: FBankError.self) { try FBank(options: options { $0.numMelBins = 2 }) }
        #expect(throws: FBankError.self) { try FBank(options: options { $0.dither = 0.1 }).compute([Float](repeating: 0, count: 800)) }
        // A negative high frequency is an offset from Nyquist.
        #expect(options { $0.highFreq = -400 }.effectiveHighFreq == 7600)
    }

    @Test func batchedFramesEqualFramesComputedAlone() throws {
        // 98 frames span four FFT blocks of 32; each row must equal that frame computed on its own.
        let x = tone(523.25, seconds: 1) .enumerated().map { $0.element + 0.05 * Float(sin(Double($0.offset) * 0.37)) }
        let o = options { $0.useEnergy = true }
        let fbank = try FBank(options: o)
        let all = try fbank.compute(x)
        #expect(all.numFrames == 98)
        for f in [0, 31, 32, 63, 64, 97] {
            let one = try fbank.compute(Array(x[(f * 160)..<(f * 160 + 400)]))
            #expect(one.numFrames == 1)
            expectClose(one.values, Array(all.values[(f * o.featureDimension)..<((f + 1) * o.featureDimension)]), atol: 0,
                        "frame \(f) alone vs in a block (same arithmetic: exact)")
        }
    }

    @Test func silenceIsAtTheEpsilonFloor() throws {
        let f = try FBank(options: options { $0.useEnergy = true }).compute([Float](repeating: 0, count: 1600))
        let floor = Float(log(Double(Float.ulpOfOne)))  // -15.942385
        expectClose(f.values, [Float](repeating: floor, count: f.values.count), atol: 0, "log(float epsilon) (closed form)")
    }

    @Test func int16ScaleShiftsLogMelByTwoLn32768() throws {
        let x = tone(440, seconds: 0.5)
        let unit = try FBank(options: options()).compute(x)
        let int16 = try FBank(options: options { $0.inputScale = .int16 }).compute(x)
        let shift = Float(2 * log(32768.0))
        var expected: [Float] = [], actual: [Float] = []
        for i in 0..<unit.values.count where unit.values[i] > -10 {
            expected.append(unit.values[i] + shift)
            actual.append(int16.values[i])
        }
        #expect(expected.count > 400, "enough bins above the floor to compare: \(expected.count)")
        expectClose(actual, expected, atol: 1e-4, "int16 scale = unit + 2 ln 32768 (power scales by 32768^2; float rounding)")
    }

    @Test func parsevalHoldsForThePowerSpectrum() throws {
        // Rectangular window, no DC removal, no pre-emphasis, no padding (P = L = 400):
        // sum_k c_k |X_k|^2 = P * sum_n x_n^2 with c_0 = c_{P/2} = 1, else 2.
        let o = options { $0.windowType = .rectangular; $0.removeDcOffset = false; $0.preemphasisCoefficient = 0; $0.roundToPowerOfTwo = false }
        let x = tone(1234.5, seconds: 0.1).enumerated().map { $0.element + 0.1 * Float(cos(Double($0.offset) * 1.1)) }
        var unused = SeedBook(seed: 0).stream(.dither)
        let s = try FBank(options: o).stages(x, frames: [0, 3], dither: &unused)
        let K = o.spectrumBins
        for r in 0..<2 {
            var spectral = 0.0, temporal = 0.0
            for k in 0..<K { spectral += Double(s.spectrum[r * K + k]) * (k == 0 || k == K - 1 ? 1 : 2) }
            for n in 0..<400 { temporal += Double(s.frames[r * 400 + n]) * Double(s.frames[r * 400 + n]) }
            expectClose([spectral], [400 * temporal], rtol: 1e-5, "Parseval, frame \(r) (float FFT rounding)")
        }
    }

    @Test func ditherIsSeededAndHasTheRequestedSpread() throws {
        let x = tone(300, seconds: 0.5)
        let o = options { $0.dither = 0.01 }
        let fbank = try FBank(options: o)
        var a = SeedBook(seed: 7).stream(.dither), b = SeedBook(seed: 7).stream(.dither), c = SeedBook(seed: 8).stream(.dither)
        let fa = fbank.compute(x, dither: &a), fb = fbank.compute(x, dither: &b), fc = fbank.compute(x, dither: &c)
        #expect(fa == fb, "same seed, same features")
        #expect(fa != fc, "another seed changes the features")
        #expect(a == b && a.state != SeedBook(seed: 7).stream(.dither).state, "the stream advanced")
        // Stage check: with no DC removal, pre-emphasis or shaping window, windowed - clean = noise.
        let plain = options { $0.dither = 0.01; $0.removeDcOffset = false; $0.preemphasisCoefficient = 0; $0.windowType = .rectangular }
        var s1 = SeedBook(seed: 3).stream(.dither)
        let noisy = try FBank(options: plain).stages(x, frames: Array(0..<10), dither: &s1)
        var s2 = SeedBook(seed: 3).stream(.dither)
        var clean = plain; clean.dither = 0
        let quiet = try FBank(options: clean).stages(x, frames: Array(0..<10), dither: &s2)
        let P = plain.paddedWindowSize, L = plain.windowSize
        var noise: [Double] = []
        for r in 0..<10 { for i in 0..<L { noise.append(Double(noisy.windowedFrames[r * P + i] - quiet.windowedFrames[r * P + i])) } }
        let mean = noise.reduce(0, +) / Double(noise.count)
        let std = (noise.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(noise.count - 1)).squareRoot()
        // 4000 normal draws: the std's standard error is 1.1%, the mean's 1.6e-4; bounds at ~4.5 sigma.
        #expect(abs(std - 0.01) < 5e-4, "dither std \(std)")
        #expect(abs(mean) < 7e-4, "dither mean \(mean)")
    }

    @Test func toneLandsInTheMelBinAroundItsFrequency() throws {
        // Closed form: the bin whose centre 700 (exp(mel/1127) - 1) is nearest 2 kHz holds the peak.
        let o = options { $0.numMelBins = 40 }
        let f = try FBank(options: o).compute(tone(2000, seconds: 0.3))
        let low = MelBanks.melScale(20), high = MelBanks.melScale(8000)
        let centres = (0..<40).map { 700 * (exp(Double(low + Float($0 + 1) * (high - low) / 41) / 1127) - 1) }
        let nearest = centres.indices.min { abs(centres[$0] - 2000) < abs(centres[$1] - 2000) }!
        for frame in 0..<f.numFrames {
            let row = Array(f.values[(frame * 40)..<((frame + 1) * 40)])
            let peak = row.indices.max { row[$0] < row[$1] }!
            #expect(abs(peak - nearest) <= 1, "frame \(frame): peak bin \(peak), expected about \(nearest)")
        }
    }
}
