// Sample-rate conversion with libsamplerate (Secret Rabbit Code), best-quality sinc converter,
// one call over the whole clip (src_simple with end of input), which is deterministic.
import CSampleRate
import Foundation

public enum Resampler {
    /// libsamplerate's band-limited converters (passband: best 97%, medium 90%, fastest 80% of
    /// the lower Nyquist frequency).
    public enum Quality: String, Sendable, Codable, CaseIterable {
        case sincBest = "sinc-best", sincMedium = "sinc-medium", sincFastest = "sinc-fastest"

        /// SRC_SINC_BEST_QUALITY = 0, SRC_SINC_MEDIUM_QUALITY = 1, SRC_SINC_FASTEST = 2.
        var converter: Int32 {
            switch self {
            case .sincBest: return 0
            case .sincMedium: return 1
            case .sincFastest: return 2
            }
        }
    }

    /// `samples` at `from` Hz converted to `to` Hz (mono). The output holds what libsamplerate
    /// generates for the whole input, about N * to / from samples.
    public static func resample(_ samples: [Float], from: Int, to: Int, quality: Quality = .sincBest) throws -> [Float] {
        guard from != to else { return samples }
        guard from > 0, to > 0 else { throw FBankError.invalidOption("sample_frequency", "rates must be positive (\(from) -> \(to))") }
        guard !samples.isEmpty else { return [] }
        let ratio = Double(to) / Double(from)
        guard src_is_valid_ratio(ratio) != 0 else {
            throw FBankError.invalidOption("sample_frequency", "libsamplerate cannot convert \(from) Hz to \(to) Hz")
        }
        let capacity = Int((Double(samples.count) * ratio).rounded(.up)) + 1
        var out = [Float](repeating: 0, count: capacity)
        var generated = 0
        let status: Int32 = samples.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                var data = SRC_DATA()
                data.data_in = input.baseAddress
                data.data_out = output.baseAddress
                data.input_frames = samples.count
                data.output_frames = capacity
                data.end_of_input = 1
                data.src_ratio = ratio
                let status = src_simple(&data, quality.converter, 1)
                generated = data.output_frames_gen
                return status
            }
        }
        guard status == 0 else {
            throw FBankError.invalidOption("sample_frequency", "libsamplerate: \(String(cString: src_strerror(status)))")
        }
        out.removeLast(capacity - generated)
        return out
    }
}
