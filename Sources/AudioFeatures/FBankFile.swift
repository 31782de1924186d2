// HDF5 layout of feature files written by `atflrec fbank` and by FBankCache (format_version 1):
//   root attributes: format_version, kind, every option under its Kaldi name (see FBankOptions),
//                    max_seconds (0 = whole clip), resample_quality, dither_seed, options_text
//   /fbank (one clip) or /items/<id> (cache): float32 [F, D], D = M (+1, energy first)
//   attributes of each feature dataset: num_frames, source (path or "samples"), source_sha256
import Crypto
import Foundation
import HDF5Storage

public enum FBankFile {
    public static let formatVersion: Int64 = 1

    /// The options as HDF5 attributes: floats as doubles, Booleans as 0/1, names as strings.
    public static func attributes(of options: AudioFrontEndOptions) -> [(String, HDF5AttributeValue)] {
        let f = options.fbank
        func b(_ v: Bool) -> HDF5AttributeValue { .int(v ? 1 : 0) }
        func d(_ v: Float) -> HDF5AttributeValue { .double(Double(v)) }
        return [
            ("sample_frequency", d(f.sampleFrequency)), ("frame_length", d(f.frameLength)),
            ("frame_shift", d(f.frameShift)), ("dither", d(f.dither)),
            ("preemphasis_coefficient", d(f.preemphasisCoefficient)), ("remove_dc_offset", b(f.removeDcOffset)),
            ("window_type", .string(f.windowType.rawValue)), ("round_to_power_of_two", b(f.roundToPowerOfTwo)),
            ("blackman_coeff", d(f.blackmanCoeff)), ("snip_edges", b(f.snipEdges)),
            ("num_mel_bins", .int(Int64(f.numMelBins))), ("low_freq", d(f.lowFreq)), ("high_freq", d(f.highFreq)),
            ("use_energy", b(f.useEnergy)), ("energy_floor", d(f.energyFloor)), ("raw_energy", b(f.rawEnergy)),
            ("use_log_fbank", b(f.useLogFbank)), ("use_power", b(f.usePower)),
            ("input_scale", .string(f.inputScale.rawValue)),
            ("max_seconds", .double(options.maxSeconds ?? 0)),
            ("resample_quality", .string(options.resampleQuality.rawValue)),
            ("dither_seed", .int(Int64(bitPattern: options.ditherSeed))),
            ("options_text", .string(options.canonicalText)),
        ]
    }

    /// Lower-case hex SHA-256 of a file's bytes (read in 1 MB pieces).
    public static func sha256(path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw FBankError.badInput(path, "cannot open for hashing") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Lower-case hex SHA-256 of samples (their little-endian float32 bytes).
    public static func sha256(samples: [Float]) -> String {
        var hasher = SHA256()
        samples.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Writes one clip's features to `output` (/fbank), atomically (temporary file, then rename).
    public static func write(_ features: FBankFeatures, options: AudioFrontEndOptions, source: String,
                             sourceSHA256: String, to output: String) throws {
        let writer = try HDF5Writer(path: output)
        try writer.setAttribute("format_version", .int(formatVersion))
        try writer.setAttribute("kind", .string("atflrec-fbank"))
        for (name, value) in attributes(of: options) { try writer.setAttribute(name, value) }
        try writer.write(features.values, shape: [features.numFrames, features.dimension], to: "/fbank")
        try writer.setAttribute("num_frames", .int(Int64(features.numFrames)), on: "/fbank")
        try writer.setAttribute("source", .string(source), on: "/fbank")
        try writer.setAttribute("source_sha256", .string(sourceSHA256), on: "/fbank")
        try writer.commit()
    }
}
