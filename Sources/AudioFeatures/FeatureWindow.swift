// Analysis windows, ported from Kaldi feature-window.cc (FeatureWindowFunction): computed in
// Double with a = 2 pi / (L - 1), then stored as Float.
import Foundation

extension WindowType {
    /// The L window coefficients (shape [L]).
    public func coefficients(length: Int, blackmanCoeff: Float = 0.42) -> [Float] {
        precondition(length >= 2, "window length must be at least 2")  // guaranteed by FBankOptions.validate
        let a = 2.0 * Double.pi / Double(length - 1)
        let b = Double(blackmanCoeff)
        return (0..<length).map { i in
            let x = Double(i)
            switch self {
            case .hanning: return Float(0.5 - 0.5 * cos(a * x))
            case .hamming: return Float(0.54 - 0.46 * cos(a * x))
            // "like hanning but goes to zero at edges" (Kaldi's comment): Hann raised to 0.85.
            case .povey: return Float(pow(0.5 - 0.5 * cos(a * x), 0.85))
            case .rectangular: return 1
            case .blackman: return Float(b - 0.5 * cos(a * x) + (0.5 - b) * cos(2 * a * x))
            }
        }
    }
}
