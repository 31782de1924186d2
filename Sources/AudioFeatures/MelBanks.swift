// Triangular mel filter banks, ported from Kaldi mel-computations.cc (MelBanks::MelBanks, without
// VTLN): M bins evenly spaced on the mel scale 1127 ln(1 + f/700) between low_freq and the
// effective high_freq, with M + 2 edges; each bin is stored sparsely as the first FFT bin it
// touches and its weights, because a bin spans only a handful of the K spectrum bins. The weight
// of the Nyquist bin is always 0 (Kaldi loops over the P/2 bins below it). Arithmetic is in Float,
// as in Kaldi.
import Foundation

/// The mel filter bank for one set of options.
public struct MelBanks: Sendable {
    /// Number of mel bins M.
    public let numBins: Int
    /// Number of spectrum bins K = P/2 + 1 (the columns of `denseMatrix`).
    public let spectrumBins: Int
    /// First spectrum bin of each mel bin (shape [M]).
    public let offsets: [Int]
    /// Weights of each mel bin from its offset on (M arrays of varying length).
    public let weights: [[Float]]

    /// The Kaldi mel scale.
    @inline(__always)
    public static func melScale(_ hz: Float) -> Float { 1127 * Foundation.log(1 + hz / 700) }

    /// Builds the banks; throws if a bin would contain no FFT bin (Kaldi refuses that too:
    /// "You may have set --num-mel-bins too large").
    public init(options: FBankOptions) throws {
        try options.validate()
        let padded = options.paddedWindowSize
        let numFFTBins = padded / 2
        let fftBinWidth = options.sampleFrequency / Float(padded)
        let melLow = MelBanks.melScale(options.lowFreq)
        let melHigh = MelBanks.melScale(options.effectiveHighFreq)
        let delta = (melHigh - melLow) / Float(options.numMelBins + 1)
        // Mel value of every FFT bin below Nyquist, once.
        let binMel = (0..<numFFTBins).map { MelBanks.melScale(fftBinWidth * Float($0)) }
        var offsets: [Int] = [], weights: [[Float]] = []
        for bin in 0..<options.numMelBins {
            let left = melLow + Float(bin) * delta
            let center = melLow + Float(bin + 1) * delta
            let right = melLow + Float(bin + 2) * delta
            var first = -1
            var w: [Float] = []
            for i in 0..<numFFTBins {
                let mel = binMel[i]
                guard mel > left, mel < right else { continue }
                if first < 0 { first = i }
                // Kaldi fills the gap between first and last with zeros; bins are contiguous here.
                while first + w.count < i { w.append(0) }
                w.append(mel <= center ? (mel - left) / (center - left) : (right - mel) / (right - center))
            }
            guard first >= 0 else {
                throw FBankError.invalidOption(
                    "num_mel_bins", "mel bin \(bin) holds no FFT bin with \(options.numMelBins) bins and a \(padded)-point FFT; use fewer bins or a longer frame")
            }
            offsets.append(first)
            weights.append(w)
        }
        self.numBins = options.numMelBins
        self.spectrumBins = numFFTBins + 1
        self.offsets = offsets
        self.weights = weights
    }

    /// The dense M x K matrix (row-major), as kaldi-native-fbank's MelBanks.get_matrix returns it.
    public var denseMatrix: [Float] {
        var m = [Float](repeating: 0, count: numBins * spectrumBins)
        for b in 0..<numBins {
            for (j, w) in weights[b].enumerated() { m[b * spectrumBins + offsets[b] + j] = w }
        }
        return m
    }

    /// mel[m] = sum_k W[m, k] * spectrum[k] for one frame. spectrum: [K], mel: [M].
    @inline(__always)
    func apply(spectrum: UnsafePointer<Float>, to mel: UnsafeMutablePointer<Float>) {
        for b in 0..<numBins {
            weights[b].withUnsafeBufferPointer { w in
                let s = spectrum + offsets[b]
                let n = w.count
                var acc = SIMD8<Float>()
                var i = 0
                while i + 8 <= n {
                    let wv = UnsafeRawPointer(w.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
                    let sv = UnsafeRawPointer(s + i).loadUnaligned(as: SIMD8<Float>.self)
                    acc.addProduct(wv, sv)
                    i += 8
                }
                var sum = acc.sum()
                while i < n { sum += w[i] * s[i]; i += 1 }
                mel[b] = sum
            }
        }
    }
}
