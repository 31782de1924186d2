import Foundation
import Testing
@testable import AudioFeatures

/// Each descriptor on signals whose answer is known in closed form (issue 28, point 1).
@Suite("Audio descriptors on signals with a known answer")
struct AudioDescriptorsTests {
    static let rate = 16000

    static func sine(_ hz: Double, amplitude: Double = 0.5, seconds: Double = 4) -> [Float] {
        (0..<Int(seconds * Double(rate))).map { Float(amplitude * sin(2 * Double.pi * hz * Double($0) / Double(rate))) }
    }

    /// A click track: a 10 ms decaying 1 kHz burst on every beat.
    static func clicks(bpm: Double, seconds: Double = 20) -> [Float] {
        var out = [Float](repeating: 0, count: Int(seconds * Double(rate)))
        let period = 60 / bpm * Double(rate)
        var beat = 0.0
        while Int(beat) < out.count {
            for i in 0..<160 where Int(beat) + i < out.count {
                out[Int(beat) + i] += Float(0.8 * exp(-Double(i) / 40) * sin(2 * Double.pi * 1000 * Double(i) / Double(rate)))
            }
            beat += period
        }
        return out
    }

    /// A sine's RMS is amplitude / sqrt 2: 20 log10(0.5 / sqrt 2) = -9.031 dBFS. Tolerance 0.01 dB:
    /// the clip holds a whole number of periods up to one sample.
    @Test func loudnessOfASineIsItsRMSInDecibels() throws {
        let d = try AudioDescriptors.measure(Self.sine(440), sampleRate: Self.rate)
        #expect(abs(d.loudnessDB - 20 * log10(0.5 / 2.0.squareRoot())) < 0.01)
        #expect(abs(d.seconds - 4) < 1e-9)
    }

    /// A pure tone's centroid and pitch are its frequency. Tolerance 0.5%: the Hann window's
    /// leakage is symmetric about the tone, so only the bins' asymmetry at the band edges and
    /// the quadratic peak fit's bias (well under a bin of 7.8 Hz) remain.
    @Test(arguments: [250.0, 440.0, 1234.5, 2500.0])
    func pureToneCentroidAndPitchAreItsFrequency(hz: Double) throws {
        let d = try AudioDescriptors.measure(Self.sine(hz), sampleRate: Self.rate)
        #expect(abs(d.centroidHz - hz) / hz < 0.005, "centroid \(d.centroidHz) for \(hz) Hz")
        #expect(abs(d.pitchHz - hz) / hz < 0.005, "pitch \(d.pitchHz) for \(hz) Hz")
    }

    /// Two tones of equal power: the centroid is their mean frequency (power-weighted).
    @Test func centroidOfTwoEqualTonesIsTheirMean() throws {
        let a = Self.sine(500), b = Self.sine(1500)
        let d = try AudioDescriptors.measure(zip(a, b).map { $0 + $1 }, sampleRate: Self.rate)
        #expect(abs(d.centroidHz - 1000) < 5)
    }

    /// A click track reads its tempo: 120 BPM within 2% (the onset envelope's 16 ms hop is 3.2%
    /// of a 120 BPM beat; the parabolic refinement brings it well inside), and so do 90 and 150.
    @Test(arguments: [90.0, 120.0, 150.0])
    func clickTrackReadsItsTempo(bpm: Double) throws {
        let d = try AudioDescriptors.measure(Self.clicks(bpm: bpm), sampleRate: Self.rate)
        #expect(abs(d.tempoBPM - bpm) / bpm < 0.02, "tempo \(d.tempoBPM) for \(bpm) BPM")
    }

    @Test func summaryWordsFollowTheirThresholds() {
        let d = AudioDescriptors(loudnessDB: -12, centroidHz: 2000, pitchHz: 400, tempoBPM: 117.6, seconds: 30)
        #expect(AudioSummary.text(d) == "tempo 118 BPM, bright, loud, mid register (pitch 400 Hz)")
        let e = AudioDescriptors(loudnessDB: -35, centroidHz: 300, pitchHz: 100, tempoBPM: 60, seconds: 30)
        #expect(AudioSummary.text(e) == "tempo 60 BPM, dark, quiet, bass register (pitch 100 Hz)")
    }

    @Test func tooShortOrSilentClipsAreOneLineErrors() {
        #expect(throws: FBankError.badInput("a.wav", "100 samples, the descriptors need at least 2304 (two frames of 2048)")) {
            try AudioDescriptors.measure([Float](repeating: 0.1, count: 100), sampleRate: Self.rate, name: "a.wav")
        }
        #expect(throws: FBankError.badInput("b.wav", "silent: no descriptor can be measured")) {
            try AudioDescriptors.measure([Float](repeating: 0, count: 5000), sampleRate: Self.rate, name: "b.wav")
        }
    }
}
