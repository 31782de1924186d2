// Where frames sit in the signal, ported from Kaldi feature-window.cc (NumFrames,
// FirstSampleOfFrame, ExtractWindow). snip_edges = true keeps only frames inside the signal;
// false centres frame f on sample f * shift + shift / 2 and mirrors the signal at both ends
// (sample -1 is sample 0, sample N is sample N - 1, repeated for very short signals).

/// Frame counts and positions for one signal length.
public struct FrameLayout: Sendable, Equatable {
    public let windowSize: Int   // L
    public let windowShift: Int
    public let snipEdges: Bool

    public init(options: FBankOptions) {
        windowSize = options.windowSize
        windowShift = options.windowShift
        snipEdges = options.snipEdges
    }

    /// Number of frames F for N samples (Kaldi NumFrames with flush = true).
    public func numFrames(samples n: Int) -> Int {
        if snipEdges {
            return n < windowSize ? 0 : 1 + (n - windowSize) / windowShift
        }
        return (n + windowShift / 2) / windowShift
    }

    /// Index of the first sample of frame f (negative before the signal when snip_edges is off).
    public func firstSample(frame f: Int) -> Int {
        snipEdges ? f * windowShift : f * windowShift + windowShift / 2 - windowSize / 2
    }

    /// Copies frame f of `signal` (N samples) times `scale` into `out` (L values), mirroring at
    /// the ends as Kaldi does.
    @inline(__always)
    func extract(frame f: Int, from signal: UnsafeBufferPointer<Float>, scale: Float,
                 into out: UnsafeMutablePointer<Float>) {
        let n = signal.count
        let start = firstSample(frame: f)
        if start >= 0 && start + windowSize <= n {
            if scale == 1 {
                out.update(from: signal.baseAddress! + start, count: windowSize)
            } else {
                for i in 0..<windowSize { out[i] = signal[start + i] * scale }
            }
            return
        }
        for i in 0..<windowSize {
            var s = start + i
            while s < 0 || s >= n { s = s < 0 ? -s - 1 : 2 * n - 1 - s }
            out[i] = signal[s] * scale
        }
    }
}
