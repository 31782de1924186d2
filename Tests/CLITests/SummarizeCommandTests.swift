// `atflrec summarize` on audio files: one summary line per file, the JSON written, and bad input
// (a missing file, a silent clip, no input at all) as one line on stderr with a non-zero exit
// and no output file.
import Foundation
import Testing
import TestSupport

@Suite("atflrec summarize")
struct SummarizeCommandTests {
    /// A 16-bit PCM mono WAV written by hand (this target needs no audio library).
    static func writeWAV(_ path: String, samples: [Float], rate: Int = 16000) throws {
        var d = Data()
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { d.append(contentsOf: $0) } }
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { d.append(contentsOf: $0) } }
        d.append(contentsOf: Array("RIFF".utf8)); u32(36 + 2 * samples.count); d.append(contentsOf: Array("WAVEfmt ".utf8))
        u32(16); u16(1); u16(1); u32(rate); u32(rate * 2); u16(2); u16(16)
        d.append(contentsOf: Array("data".utf8)); u32(2 * samples.count)
        for s in samples { withUnsafeBytes(of: Int16(max(-1, min(1, s)) * 32767).littleEndian) { d.append(contentsOf: $0) } }
        try d.write(to: URL(fileURLWithPath: path))
    }

    /// 120 BPM clicks (10 ms decaying 1 kHz bursts), 20 s.
    static func clicks() -> [Float] {
        var out = [Float](repeating: 0, count: 20 * 16000)
        for beat in stride(from: 0, to: out.count, by: 8000) {
            for i in 0..<160 where beat + i < out.count { out[beat + i] = Float(0.8 * exp(-Double(i) / 40) * sin(2 * Double.pi * Double(i) / 16)) }
        }
        return out
    }

    @Test func summarisesEachFileAndWritesJSON() throws {
        let dir = try Fixtures.temporaryDirectory()
        let a = dir.appendingPathComponent("clicks.wav").path, b = dir.appendingPathComponent("tone.wav").path
        try Self.writeWAV(a, samples: Self.clicks())
        try Self.writeWAV(b, samples: (0..<64000).map { Float(0.5 * sin(2 * Double.pi * 440 * Double($0) / 16000)) })
        let out = dir.appendingPathComponent("s.json").path
        let r = try #require(try runATFLRec(["summarize", a, b, "--output", out]))
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("\(a): tempo 120 BPM") == true, "\(lines)")
        #expect(lines.last?.hasSuffix("(pitch 440 Hz)") == true, "\(lines)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [[String: Any]]
        #expect(json?.count == 2)
        #expect((json?.last?["descriptors"] as? [String: Any])?["loudnessDB"] != nil)
    }

    @Test func badInputIsOneLineAndNoOutput() throws {
        let dir = try Fixtures.temporaryDirectory()
        let silent = dir.appendingPathComponent("silent.wav").path, out = dir.appendingPathComponent("s.json").path
        try Self.writeWAV(silent, samples: [Float](repeating: 0, count: 8000))
        for (arguments, message) in [([silent], "\(silent): silent: no descriptor can be measured"),
                                     ([dir.appendingPathComponent("missing.wav").path], "missing.wav"),
                                     ([], "give audio files or --surrogate ml100k")] {
            let r = try #require(try runATFLRec(["summarize"] + arguments + ["--output", out]))
            #expect(r.status != 0)
            #expect(r.stderr.contains(message), "\(r.stderr)")
            // Bad files: one line. No input: ArgumentParser's validation line, then its usage lines.
            let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
            #expect(first.contains(message), "\(r.stderr)")
            if !arguments.isEmpty { #expect(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1, "\(r.stderr)") }
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }

    /// synthlens tiny (60 items, 6 sound factors): the summary's pitch identifies the sound
    /// factor the generator used, far above chance (measured: in the voice's range for 100% of
    /// items against 31.7% for another item's voice; the nearest voice 48.3% against 16.7%), and
    /// the JSON does not depend on the worker count.
    @Test func synthLensPitchRecoversTheSoundFactor() throws {
        let dir = try Fixtures.temporaryDirectory()
        var outputs: [Data] = []
        for workers in ["1", "2"] {
            let out = dir.appendingPathComponent("s\(workers).json").path
            let r = try #require(try runATFLRec(["summarize", "--surrogate", "synthlens", "--preset", "tiny", "--workers", workers, "--output", out]))
            #expect(r.status == 0, "\(r.stderr)")
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: out)))
        }
        #expect(outputs[0] == outputs[1])
        let report = try #require(try JSONSerialization.jsonObject(with: outputs[0]) as? [String: Any])
        let own = try #require(report["pitchInItsVoice"] as? Double), other = try #require(report["pitchInAnotherItemsVoice"] as? Double)
        let nearest = try #require(report["nearestVoiceAccuracy"] as? Double), chance = try #require(report["nearestVoiceChance"] as? Double)
        #expect(report["items"] as? Int == 60 && report["soundFactors"] as? Int == 6)
        #expect(own >= 0.95 && other < 0.5 && nearest > 2 * chance, "own \(own), other \(other), nearest \(nearest)")
    }
}
