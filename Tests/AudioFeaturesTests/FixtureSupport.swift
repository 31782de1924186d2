// Reading Tests/Fixtures/audio/fbank_golden.h5 (made by make_fbank_fixtures.py; layout in its
// README): one case = a signal, every Kaldi option, the kaldi-native-fbank output, usually the
// torchaudio output, and for some cases the intermediate stages.
import AudioFeatures
import Foundation
import HDF5Storage
import TestSupport

let goldenPath = Fixtures.url("audio/fbank_golden.h5").path
let clipPath = Fixtures.url("audio/amen_full_2s_44k1_stereo.wav").path
let regenerateHint = "(stale fixture? regenerate with `make fixtures-audio`, see Tests/Fixtures/audio/README.md)"

struct GoldenCase {
    let name: String
    let options: FBankOptions
    let signal: [Float]
    let knf: HDF5Array<Float>
    let torchaudio: HDF5Array<Float>?
    let reader: HDF5Reader

    var group: String { "/cases/\(name)" }
    func has(_ dataset: String) -> Bool { reader.exists("\(group)/\(dataset)") }
    func read(_ dataset: String) throws -> HDF5Array<Float> { try reader.read(Float.self, "\(group)/\(dataset)") }
}

enum Golden {
    static func open() throws -> HDF5Reader {
        let reader = try HDF5Reader(path: goldenPath)
        guard case .int(1) = try reader.attribute("format_version") else {
            throw FBankError.badInput(goldenPath, "format_version is not 1 \(regenerateHint)")
        }
        return reader
    }

    static func caseNames() throws -> [String] { try open().children(of: "/cases") }

    /// The options stored as attributes of group `g` (kaldi-native-fbank's names).
    static func options(_ g: String, reader: HDF5Reader) throws -> FBankOptions {
        func num(_ key: String) throws -> Double {
            switch try reader.attribute(key, of: g) {
            case let .double(v): return v
            case let .int(v): return Double(v)
            default: throw FBankError.badInput(goldenPath, "\(g) attribute \(key) is not a number")
            }
        }
        func flag(_ key: String) throws -> Bool { try num(key) != 0 }
        var o = FBankOptions()
        o.sampleFrequency = Float(try num("samp_freq"))
        o.frameLength = Float(try num("frame_length_ms"))
        o.frameShift = Float(try num("frame_shift_ms"))
        o.dither = Float(try num("dither"))
        o.preemphasisCoefficient = Float(try num("preemph_coeff"))
        o.removeDcOffset = try flag("remove_dc_offset")
        guard case let .string(w) = try reader.attribute("window_type", of: g), let window = WindowType(rawValue: w) else {
            throw FBankError.badInput(goldenPath, "\(g) window_type")
        }
        o.windowType = window
        o.roundToPowerOfTwo = try flag("round_to_power_of_two")
        o.blackmanCoeff = Float(try num("blackman_coeff"))
        o.snipEdges = try flag("snip_edges")
        o.numMelBins = Int(try num("num_bins"))
        o.lowFreq = Float(try num("low_freq"))
        o.highFreq = Float(try num("high_freq"))
        o.useEnergy = try flag("use_energy")
        o.energyFloor = Float(try num("energy_floor"))
        o.rawEnergy = try flag("raw_energy")
        o.useLogFbank = try flag("use_log_fbank")
        o.usePower = try flag("use_power")
        return o
    }

    static func load(_ name: String, reader: HDF5Reader) throws -> GoldenCase {
        let g = "/cases/\(name)"
        let o = try options(g, reader: reader)
        guard case let .string(signalName) = try reader.attribute("signal", of: g) else {
            throw FBankError.badInput(goldenPath, "\(g) signal")
        }
        let signal = try reader.read(Float.self, "/signals/\(signalName)").values
        let ta = reader.exists("\(g)/torchaudio_fbank") ? try reader.read(Float.self, "\(g)/torchaudio_fbank") : nil
        return GoldenCase(name: name, options: o, signal: signal, knf: try reader.read(Float.self, "\(g)/knf_fbank"),
                          torchaudio: ta, reader: reader)
    }
}

/// Log-mel comparison (issue 3): |a - r| <= 1e-3 wherever the reference r is above -10. Below -10
/// the mel energy is under 4.5e-5, where it is mostly float rounding noise of the FFT and the
/// logarithm magnifies that noise (the floor itself is ln(1.19e-7) = -15.94), so there we only
/// require the energies themselves to agree: |exp(a) - exp(r)| <= 1e-4.
struct LogMelCheck {
    var maxAbsAboveFloor: Double = 0
    var failures: [String] = []
    var compared = 0

    mutating func compare(_ actual: [Float], _ reference: [Float], columns: Int, logDomain: Bool, what: String) {
        guard actual.count == reference.count else {
            failures.append("\(what): \(actual.count) values, reference \(reference.count)")
            return
        }
        for i in 0..<actual.count {
            let a = Double(actual[i]), r = Double(reference[i])
            compared += 1
            if !logDomain {
                // Linear mel energies: relative 1e-4 plus an absolute term for tiny energies.
                let err = abs(a - r)
                maxAbsAboveFloor = max(maxAbsAboveFloor, err / max(1, abs(r)))
                if !(err <= 1e-6 + 1e-4 * abs(r)) { failures.append("\(what)[\(i / columns), \(i % columns)] \(a) vs \(r)") }
            } else if r > -10 {
                let err = abs(a - r)
                maxAbsAboveFloor = max(maxAbsAboveFloor, err)
                if !(err <= 1e-3) { failures.append("\(what)[\(i / columns), \(i % columns)] \(a) vs \(r)") }
            } else if !(abs(exp(a) - exp(r)) <= 1e-4) {
                failures.append("\(what)[\(i / columns), \(i % columns)] below floor: \(a) vs \(r)")
            }
        }
    }
}
