// Decoding with libsndfile (WAV, FLAC, OGG/Vorbis and the rest of its formats) and down-mixing to
// mono. libsndfile returns integer PCM divided by its full scale (16-bit: by 32768), so samples
// are in [-1, 1]; float files are passed through unchanged. Every failure is one FBankError line
// naming the file.
import CSndfile
import Foundation

/// A decoded mono clip.
public struct AudioClip: Sendable {
    /// Mono samples (mean of the channels).
    public var samples: [Float]
    /// Rate of `samples` in Hz.
    public var sampleRate: Int
    /// Rate and channel count of the file.
    public var sourceSampleRate: Int
    public var sourceChannels: Int
    /// Frames in the file (before any truncation).
    public var sourceFrames: Int
}

public enum AudioFile {
    /// Channel counts accepted by default: mono and stereo. Other layouts (5.1 with its LFE
    /// channel, ambisonics) have no single right down-mix, so they are refused rather than guessed.
    public static let supportedChannels = 1...2

    /// The header of `path`: (sample rate, channels, frames), with the same checks as `read`.
    public static func header(path: String) throws -> (sampleRate: Int, channels: Int, frames: Int) {
        let (file, info) = try open(path: path)
        sf_close(file)
        return (Int(info.samplerate), Int(info.channels), Int(info.frames))
    }

    private static func open(path: String) throws -> (OpaquePointer, SF_INFO) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FBankError.badInput(path, "no such file")
        }
        guard !isDirectory.boolValue else { throw FBankError.badInput(path, "is a directory, not an audio file") }
        var info = SF_INFO()
        guard let file = sf_open(path, Int32(SFM_READ), &info) else {
            throw FBankError.badInput(path, "not a readable audio file (libsndfile: \(String(cString: sf_strerror(nil))))")
        }
        return (file, info)
    }

    /// Decodes at most `maxFrames` frames (nil: all) of `path` and down-mixes them to mono.
    public static func read(path: String, maxFrames: Int? = nil,
                            channels allowed: ClosedRange<Int> = supportedChannels) throws -> AudioClip {
        func fail(_ why: String) -> FBankError { .badInput(path, why) }
        let (file, info) = try open(path: path)
        defer { sf_close(file) }
        let channels = Int(info.channels), rate = Int(info.samplerate), frames = Int(info.frames)
        guard allowed.contains(channels) else {
            throw fail("unsupported channel count \(channels) (supported: \(allowed.lowerBound) to \(allowed.upperBound))")
        }
        guard rate > 0 else { throw fail("invalid sample rate \(rate) Hz") }
        guard frames > 0 else { throw fail("contains zero samples") }
        if let shortfall = declaredDataShortfall(file) {
            throw fail("truncated file: \(shortfall)")
        }
        let wanted = min(frames, maxFrames ?? frames)
        var interleaved = [Float](repeating: 0, count: wanted * channels)
        let got = interleaved.withUnsafeMutableBufferPointer { sf_readf_float(file, $0.baseAddress, sf_count_t(wanted)) }
        guard Int(got) == wanted else {
            let reason = String(cString: sf_strerror(file))
            throw fail("truncated or corrupt file: decoded \(got) of \(wanted) frames (libsndfile: \(reason))")
        }
        var mono = [Float](repeating: 0, count: wanted)
        for i in 0..<wanted {
            var s: Float = 0
            for c in 0..<channels {
                let v = interleaved[i * channels + c]
                guard v.isFinite else {
                    throw fail("sample \(i) of channel \(c) is \(v.isNaN ? "NaN" : "infinite")")
                }
                s += v
            }
            mono[i] = channels == 1 ? s : s / Float(channels)
        }
        return AudioClip(samples: mono, sampleRate: rate, sourceSampleRate: rate, sourceChannels: channels, sourceFrames: frames)
    }

    /// libsndfile shortens the frame count of a WAV/AIFF file whose data chunk claims more bytes
    /// than the file holds and notes it in its log ("data : 352800 (should be 199956)"); we treat
    /// that as a truncated file instead of silently using the part that is there.
    private static func declaredDataShortfall(_ file: OpaquePointer) -> String? {
        var log = [CChar](repeating: 0, count: 16384)
        _ = sf_command(file, Int32(SFC_GET_LOG_INFO), &log, Int32(log.count))
        let text = String(cString: log)
        for line in text.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("data"), let open = t.range(of: "(should be ") else { continue }
            let declared = t[t.index(after: t.firstIndex(of: ":")!)..<open.lowerBound]
                .trimmingCharacters(in: .whitespaces)
            let actual = t[open.upperBound...].prefix { $0.isNumber }
            // 0xFFFFFFFF is the RIFF convention for "length unknown" (WAV streamed through a pipe).
            if let d = Int(declared), let a = Int(actual), a < d, d != 0xFFFF_FFFF {
                return "the data chunk declares \(d) bytes but only \(a) are present"
            }
        }
        return nil
    }

    /// Containers and encodings `write` can produce (all are read back through libsndfile).
    public enum WriteFormat: Sendable, CaseIterable {
        case wavPCM16, wavFloat32, flac16, oggVorbis

        var sndfileFormat: Int32 {
            switch self {
            case .wavPCM16: return Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_PCM_16)
            case .wavFloat32: return Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_FLOAT)
            case .flac16: return Int32(SF_FORMAT_FLAC) | Int32(SF_FORMAT_PCM_16)
            case .oggVorbis: return Int32(SF_FORMAT_OGG) | Int32(SF_FORMAT_VORBIS)
            }
        }
    }

    /// Writes interleaved float samples [frames, channels] as a WAV file (16-bit PCM or 32-bit
    /// float), through a temporary file renamed into place. For tests and surrogate audio.
    public static func writeWAV(path: String, interleaved: [Float], channels: Int, sampleRate: Int,
                                float32: Bool = false) throws {
        try write(path: path, interleaved: interleaved, channels: channels, sampleRate: sampleRate,
                  format: float32 ? .wavFloat32 : .wavPCM16)
    }

    /// Writes interleaved float samples [frames, channels] in `format`, through a temporary file
    /// renamed into place.
    public static func write(path: String, interleaved: [Float], channels: Int, sampleRate: Int,
                             format: WriteFormat) throws {
        let tmp = path + ".tmp-\(getpid())"
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = format.sndfileFormat
        guard let file = sf_open(tmp, Int32(SFM_WRITE), &info) else {
            throw FBankError.badInput(path, "cannot write (libsndfile: \(String(cString: sf_strerror(nil))))")
        }
        let frames = interleaved.count / max(channels, 1)
        let wrote = interleaved.withUnsafeBufferPointer { sf_writef_float(file, $0.baseAddress, sf_count_t(frames)) }
        sf_close(file)
        guard Int(wrote) == frames else {
            unlink(tmp)
            throw FBankError.badInput(path, "short write: \(wrote) of \(frames) frames")
        }
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw FBankError.badInput(path, "cannot rename the temporary file into place")
        }
    }
}
