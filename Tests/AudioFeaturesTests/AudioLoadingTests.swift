// Decoding, down-mixing, resampling, truncation, the short-clip policy and every bad input of
// issue 3's acceptance list (one line naming the file).
import AudioFeatures
import Foundation
import Testing
import TestSupport

private func sine(_ hz: Double, seconds: Double, rate: Int, amp: Double = 0.5) -> [Float] {
    (0..<Int(seconds * Double(rate))).map { Float(amp * sin(2 * Double.pi * hz * Double($0) / Double(rate))) }
}

/// Expects `body` to throw an FBankError.badInput whose one-line message names `path` and contains `words`.
private func expectBadInput(_ path: String, _ words: String, sourceLocation: SourceLocation = #_sourceLocation,
                            _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected an error for \(path)", sourceLocation: sourceLocation)
    } catch let error as FBankError {
        let text = error.description
        #expect(text.hasPrefix(path + ": ") && text.contains(words) && !text.contains("\n"),
                "message: \(text)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error type: \(error)", sourceLocation: sourceLocation)
    }
}

@Suite("Audio loading")
struct AudioLoadingTests {
    @Test func stereoIsDownMixedByTheMean() throws {
        let dir = try Fixtures.temporaryDirectory()
        let path = dir.appendingPathComponent("stereo.wav").path
        let l = sine(440, seconds: 0.2, rate: 16000), r = sine(1000, seconds: 0.2, rate: 16000, amp: 0.25)
        var interleaved: [Float] = []
        for i in l.indices { interleaved += [l[i], r[i]] }
        try AudioFile.writeWAV(path: path, interleaved: interleaved, channels: 2, sampleRate: 16000, float32: true)
        let clip = try AudioFile.read(path: path)
        #expect(clip.sourceChannels == 2 && clip.sampleRate == 16000 && clip.samples.count == l.count)
        expectClose(clip.samples, zip(l, r).map { ($0 + $1) / 2 }, atol: 0, "mean of the channels (float WAV: exact)")
    }

    @Test func pcm16IsScaledToUnitRange() throws {
        let dir = try Fixtures.temporaryDirectory()
        let path = dir.appendingPathComponent("pcm.wav").path
        let x: [Float] = [0, 0.5, -0.5, -1, 16384.0 / 32768.0]
        try AudioFile.writeWAV(path: path, interleaved: x, channels: 1, sampleRate: 16000)
        let clip = try AudioFile.read(path: path)
        // libsndfile maps [-1, 1) to 16-bit with 32767 and reads back dividing by 32768; values
        // stay within one 16-bit step of the input.
        expectClose(clip.samples, x, atol: 1.0 / 32768 + 1e-7, "16-bit round trip (one quantisation step)")
        #expect(clip.samples.allSatisfy { $0 >= -1 && $0 <= 1 })
    }

    @Test func resamplingKeepsAToneATone() throws {
        // Closed form: a 1 kHz sine at 44.1 kHz resampled to 16 kHz is the 1 kHz sine at 16 kHz.
        let y = try Resampler.resample(sine(1000, seconds: 1, rate: 44100), from: 44100, to: 16000)
        #expect(abs(y.count - 16000) <= 1, "length \(y.count)")
        let expected = sine(1000, seconds: 1, rate: 16000)
        // Away from the ends (filter start-up), sinc-best is within -80 dB of the ideal.
        expectClose(Array(y[200..<15800]), Array(expected[200..<15800]), atol: 1e-4, "band-limited resampling (sinc best)")
    }

    @Test func maxSecondsKeepsTheFirstSecondsAndShortClipsAreNotPadded() throws {
        let dir = try Fixtures.temporaryDirectory()
        let path = dir.appendingPathComponent("long.wav").path
        let x = sine(330, seconds: 3, rate: 44100).enumerated().map { $0.element * Float(1 + 0.3 * sin(Double($0.offset) / 5000)) }
        try AudioFile.writeWAV(path: path, interleaved: x, channels: 1, sampleRate: 44100, float32: true)
        let full = try AudioFrontEnd.loadSamples(path: path, options: AudioFrontEndOptions(maxSeconds: nil))
        let cut = try AudioFrontEnd.loadSamples(path: path, options: AudioFrontEndOptions(maxSeconds: 2))
        #expect(cut.count == 32000)
        expectClose(cut, Array(full[0..<32000]), atol: 1e-5, "the first 2 s equal the whole clip's first 2 s (resampler sees 0.1 s beyond the cut)")
        let short = try AudioFrontEnd.loadSamples(path: path, options: AudioFrontEndOptions(maxSeconds: 30))
        #expect(short.count == full.count, "a 3 s clip with max 30 s keeps its length (no padding)")
        let f = try AudioFrontEnd.features(path: path, options: AudioFrontEndOptions(maxSeconds: 30), fbank: FBank(options: FBankOptions()))
        #expect(f.numFrames == 1 + (full.count - 400) / 160)
    }

    @Test func badInputsGiveOneLineNamingTheFile() throws {
        let dir = try Fixtures.temporaryDirectory()
        let o = AudioFrontEndOptions()
        let fbank = try FBank(options: o.fbank)
        func load(_ p: String, _ opts: AudioFrontEndOptions = o) throws { _ = try AudioFrontEnd.features(path: p, options: opts, fbank: FBank(options: opts.fbank)) }

        let missing = dir.appendingPathComponent("missing.wav").path
        expectBadInput(missing, "no such file") { try load(missing) }

        let text = dir.appendingPathComponent("notes.wav").path
        try Data("this is not audio\n".utf8).write(to: URL(fileURLWithPath: text))
        expectBadInput(text, "not a readable audio file") { try load(text) }

        let truncated = dir.appendingPathComponent("truncated.wav").path
        try AudioFile.writeWAV(path: truncated, interleaved: sine(440, seconds: 1, rate: 16000), channels: 1, sampleRate: 16000)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: truncated))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        expectBadInput(truncated, "truncated") { try load(truncated) }

        // A WAV streamed through a pipe declares an unknown length (0xFFFFFFFF): not truncated.
        let streamed = dir.appendingPathComponent("streamed.wav").path
        try AudioFile.writeWAV(path: streamed, interleaved: sine(440, seconds: 0.5, rate: 16000), channels: 1, sampleRate: 16000)
        var raw = [UInt8](try Data(contentsOf: URL(fileURLWithPath: streamed)))
        let dataTag = (0..<(raw.count - 4)).first { raw[$0..<($0 + 4)].elementsEqual(Array("data".utf8)) }!
        for k in 0..<4 { raw[dataTag + 4 + k] = 0xFF; raw[4 + k] = 0xFF }
        try Data(raw).write(to: URL(fileURLWithPath: streamed))
        #expect(try AudioFile.read(path: streamed).samples.count == 8000)

        let empty = dir.appendingPathComponent("empty.wav").path
        try AudioFile.writeWAV(path: empty, interleaved: [], channels: 1, sampleRate: 16000)
        expectBadInput(empty, "zero samples") { try load(empty) }

        let short = dir.appendingPathComponent("short.wav").path
        try AudioFile.writeWAV(path: short, interleaved: sine(440, seconds: 0.02, rate: 16000), channels: 1, sampleRate: 16000)
        expectBadInput(short, "too short: 320 samples") { try load(short) }
        // With snip_edges = false the same 320 samples give two mirrored frames (Kaldi's rule) ...
        var noSnip = o; noSnip.fbank.snipEdges = false
        #expect(try AudioFrontEnd.features(path: short, options: noSnip, fbank: FBank(options: noSnip.fbank)).numFrames == 2)
        // ... and fewer than shift/2 = 80 samples give none.
        let tiny = dir.appendingPathComponent("tiny.wav").path
        try AudioFile.writeWAV(path: tiny, interleaved: sine(440, seconds: 0.004, rate: 16000), channels: 1, sampleRate: 16000)
        expectBadInput(tiny, "too short: 64 samples") { try load(tiny, noSnip) }

        for (name, value) in [("nan", Float.nan), ("inf", Float.infinity)] {
            let p = dir.appendingPathComponent("\(name).wav").path
            var x = sine(440, seconds: 0.1, rate: 16000)
            x[777] = value
            try AudioFile.writeWAV(path: p, interleaved: x, channels: 1, sampleRate: 16000, float32: true)
            expectBadInput(p, "sample 777 of channel 0 is \(name == "nan" ? "NaN" : "infinite")") { try load(p) }
        }

        let three = dir.appendingPathComponent("three.wav").path
        try AudioFile.writeWAV(path: three, interleaved: [Float](repeating: 0.1, count: 3 * 1600), channels: 3, sampleRate: 16000)
        expectBadInput(three, "unsupported channel count 3") { try load(three) }

        let narrow = dir.appendingPathComponent("8k.wav").path
        try AudioFile.writeWAV(path: narrow, interleaved: sine(440, seconds: 0.5, rate: 8000), channels: 1, sampleRate: 8000)
        expectBadInput(narrow, "below twice the high frequency 8000") { try load(narrow) }
        var lowHigh = o; lowHigh.fbank.highFreq = 3800
        #expect(try AudioFrontEnd.features(path: narrow, options: lowHigh, fbank: FBank(options: lowHigh.fbank)).numFrames == 48)
        _ = fbank
    }
}

@Suite("Audio formats")
struct AudioFormatTests {
    @Test(arguments: AudioFile.WriteFormat.allCases)
    func decodesEveryRequiredFormat(_ format: AudioFile.WriteFormat) throws {
        // WAV and FLAC are lossless (16-bit: within one quantisation step); Vorbis is lossy, so
        // for it we check the tone survives: the FBank peak stays in the tone's mel bin.
        let dir = try Fixtures.temporaryDirectory()
        let path = dir.appendingPathComponent("clip").path
        let x = sine(1500, seconds: 1, rate: 44100, amp: 0.4)
        var stereo: [Float] = []
        for v in x { stereo += [v, v] }
        try AudioFile.write(path: path, interleaved: stereo, channels: 2, sampleRate: 44100, format: format)
        let clip = try AudioFile.read(path: path)
        #expect(clip.sourceChannels == 2 && clip.sourceSampleRate == 44100)
        switch format {
        case .wavFloat32: expectClose(clip.samples, x, atol: 0, "float WAV (exact)")
        case .wavPCM16, .flac16: expectClose(clip.samples, x, atol: 1.0 / 32768 + 1e-7, "16-bit (one quantisation step)")
        case .oggVorbis:
            #expect(abs(clip.samples.count - x.count) < 2048, "Vorbis length \(clip.samples.count)")
            var o = AudioFrontEndOptions(maxSeconds: nil)
            o.fbank.numMelBins = 40
            let f = try AudioFrontEnd.features(path: path, options: o, fbank: FBank(options: o.fbank))
            let ref = try FBank(options: o.fbank).compute(try Resampler.resample(x, from: 44100, to: 16000))
            let mid = f.numFrames / 2
            let row = Array(f.values[(mid * 40)..<((mid + 1) * 40)]), refRow = Array(ref.values[(mid * 40)..<((mid + 1) * 40)])
            #expect(row.indices.max { row[$0] < row[$1] } == refRow.indices.max { refRow[$0] < refRow[$1] })
        }
    }
}
