// `atflrec fbank`: the output file and its attributes, and for every bad input of issue 3 one
// line on stderr naming the file, a non-zero exit status and no output file.
import Foundation
import HDF5Storage
import Testing
import TestSupport

private func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    guard let r = try runATFLRec(arguments) else { return (-1, "", "atflrec binary not found") }
    return (r.status, r.stdout, r.stderr)
}

/// A WAV written by hand (16-bit PCM mono), so this test target needs no audio library.
private func writeWAV(_ path: String, samples: [Int16], rate: Int = 16000, channels: Int = 1) throws {
    var d = Data()
    func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { d.append(contentsOf: $0) } }
    func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { d.append(contentsOf: $0) } }
    d.append(contentsOf: Array("RIFF".utf8)); u32(36 + 2 * samples.count); d.append(contentsOf: Array("WAVEfmt ".utf8))
    u32(16); u16(1); u16(channels); u32(rate); u32(rate * 2 * channels); u16(2 * channels); u16(16)
    d.append(contentsOf: Array("data".utf8)); u32(2 * samples.count)
    for s in samples { withUnsafeBytes(of: s.littleEndian) { d.append(contentsOf: $0) } }
    try d.write(to: URL(fileURLWithPath: path))
}

private func tone(_ n: Int, rate: Double = 16000) -> [Int16] {
    (0..<n).map { Int16(8000 * sin(2 * Double.pi * 440 * Double($0) / rate)) }
}

@Suite("atflrec fbank")
struct FBankCLITests {
    @Test func writesFeaturesWithEveryOptionAsAttribute() throws {
        let dir = try Fixtures.temporaryDirectory()
        let wav = dir.appendingPathComponent("a.wav").path, out = dir.appendingPathComponent("a.h5").path
        try writeWAV(wav, samples: tone(16000))
        let r = try run(["fbank", wav, "--num-mel-bins", "80", "--snip-edges", "false", "--window-type", "hamming", "--output", out])
        #expect(r.status == 0, "\(r.stderr)")
        let h = try HDF5Reader(path: out)
        let f = try h.read(Float.self, "/fbank")
        #expect(f.shape == [100, 80], "(16000 + 80) / 160 = 100 frames with snip_edges=false")
        #expect(f.values.allSatisfy { $0.isFinite })
        #expect(try h.attribute("num_mel_bins") == .int(80))
        #expect(try h.attribute("snip_edges") == .int(0))
        #expect(try h.attribute("window_type") == .string("hamming"))
        #expect(try h.attribute("dither") == .double(0))
        for name in ["sample_frequency", "frame_length", "frame_shift", "preemphasis_coefficient", "remove_dc_offset",
                     "round_to_power_of_two", "blackman_coeff", "low_freq", "high_freq", "use_energy", "energy_floor",
                     "raw_energy", "use_log_fbank", "use_power", "input_scale", "max_seconds", "format_version"] {
            #expect(try h.attributeNames(of: "/").contains(name), "attribute \(name)")
        }
    }

    @Test func badInputsFailWithOneLineAndWriteNothing() throws {
        let dir = try Fixtures.temporaryDirectory()
        func p(_ n: String) -> String { dir.appendingPathComponent(n).path }
        try Data("plain text".utf8).write(to: URL(fileURLWithPath: p("text.wav")))
        try writeWAV(p("trunc.wav"), samples: tone(16000))
        let whole = try Data(contentsOf: URL(fileURLWithPath: p("trunc.wav")))
        try whole.prefix(9000).write(to: URL(fileURLWithPath: p("trunc.wav")))
        try writeWAV(p("empty.wav"), samples: [])
        try writeWAV(p("short.wav"), samples: tone(399))
        try writeWAV(p("three.wav"), samples: tone(3 * 800), channels: 3)
        try writeWAV(p("8k.wav"), samples: tone(4000, rate: 8000), rate: 8000)
        // A float WAV with a NaN (format 3, 32-bit).
        var d = Data()
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { d.append(contentsOf: $0) } }
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { d.append(contentsOf: $0) } }
        d.append(contentsOf: Array("RIFF".utf8)); u32(36 + 4 * 1000); d.append(contentsOf: Array("WAVEfmt ".utf8))
        u32(16); u16(3); u16(1); u32(16000); u32(64000); u16(4); u16(32)
        d.append(contentsOf: Array("data".utf8)); u32(4000)
        for i in 0..<1000 { withUnsafeBytes(of: (i == 500 ? Float.nan : 0.1).bitPattern.littleEndian) { d.append(contentsOf: $0) } }
        try d.write(to: URL(fileURLWithPath: p("nan.wav")))

        let cases: [(String, String)] = [
            ("missing.wav", "no such file"), ("text.wav", "not a readable audio file"), ("trunc.wav", "truncated"),
            ("empty.wav", "zero samples"), ("short.wav", "too short"), ("nan.wav", "NaN"),
            ("three.wav", "unsupported channel count 3"), ("8k.wav", "below twice the high frequency"),
        ]
        for (file, words) in cases {
            let out = p(file + ".h5")
            let r = try run(["fbank", p(file), "--output", out])
            #expect(r.status != 0, "\(file): exit status")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].contains(p(file)) && lines[0].contains(words), "\(file): stderr \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out), "\(file): nothing written")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(file + ".h5") }
            #expect(leftovers.isEmpty, "\(file): no temporary file left: \(leftovers)")
        }
        // An invalid option is one line too.
        let r = try run(["fbank", p("short.wav"), "--num-mel-bins", "128", "--output", p("x.h5")])
        #expect(r.status != 0 && r.stderr.contains("num_mel_bins") && r.stderr.split(separator: "\n").count == 1)
    }

    @Test func cacheCommandBuildsAndResumes() throws {
        let dir = try Fixtures.temporaryDirectory()
        try writeWAV(dir.appendingPathComponent("x.wav").path, samples: tone(8000))
        try writeWAV(dir.appendingPathComponent("y.wav").path, samples: tone(12000))
        let list = dir.appendingPathComponent("items.tsv").path
        try Data("# id\tpath\nx\tx.wav\ny\ty.wav\n".utf8).write(to: URL(fileURLWithPath: list))
        let out = dir.appendingPathComponent("cache.h5").path
        let first = try run(["fbank-cache", list, "--output", out, "--num-mel-bins", "40", "--quiet"])
        #expect(first.status == 0 && first.stdout.contains("2 computed"), "\(first.stderr)")
        let second = try run(["fbank-cache", list, "--output", out, "--num-mel-bins", "40", "--quiet"])
        #expect(second.status == 0 && second.stdout.contains("0 computed, 2 reused"), "\(second.stdout)")
        #expect(try HDF5Reader(path: out).read(Float.self, "/items/y").shape == [73, 40])
    }
}
