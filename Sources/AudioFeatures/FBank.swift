// Kaldi-compatible filter-bank features (Kaldi feature-fbank.cc FbankComputer::Compute and
// feature-window.cc ProcessWindow), computed B frames at a time:
//   per frame (L samples): dither, remove DC, raw log energy, pre-emphasis (from the last sample
//   backwards, x[0] -= c * x[0]), window, zero-pad to P;
//   per block of B frames: one batched real FFT (FFTW plan made once), power |X|^2 (or magnitude);
//   per frame: sparse mel product, log floored at float epsilon, energy column first.
// Shapes: F frames, L window, P padded window, K = P/2 + 1 spectrum bins, M mel bins,
// D = M (+1 with energy).
import Foundation
import SeededRandom

/// Features of one clip: F rows of D values (energy first when used, then M mel bins).
public struct FBankFeatures: Sendable, Equatable {
    /// F.
    public let numFrames: Int
    /// D.
    public let dimension: Int
    /// Row-major [F, D].
    public var values: [Float]

    public init(numFrames: Int, dimension: Int, values: [Float]) {
        self.numFrames = numFrames
        self.dimension = dimension
        self.values = values
    }
}

/// The intermediate stages for selected frames, to locate a disagreement with a reference.
public struct FBankStages {
    /// Raw frames as cut from the signal, [F', L].
    public var frames: [Float] = []
    /// After dither, DC removal, pre-emphasis, window and zero padding, [F', P].
    public var windowedFrames: [Float] = []
    /// Power (or magnitude) spectrum, [F', K].
    public var spectrum: [Float] = []
    /// Log energy (raw or windowed as configured), [F'].
    public var logEnergy: [Float] = []
}

/// A filter-bank computer for one set of options. It owns its FFT plan and buffers, so it is
/// cheap to call repeatedly but must not be shared between threads (make one per thread).
public final class FBank {
    public let options: FBankOptions
    /// Window coefficients [L].
    public let window: [Float]
    public let melBanks: MelBanks
    public let layout: FrameLayout
    let fft: BatchRealFFT
    /// Frames per FFT block B: large enough to amortise the call, small enough for L2.
    static let blockSize = 32
    private let spectrum: UnsafeMutablePointer<Float>   // [B, K]
    private var blockLogEnergy: [Float]                 // [B]

    /// float epsilon, the floor of every logarithm (Kaldi: std::numeric_limits<float>::epsilon()).
    static let epsilon = Float.ulpOfOne

    public init(options: FBankOptions) throws {
        try options.validate()
        self.options = options
        self.window = options.windowType.coefficients(length: options.windowSize, blackmanCoeff: options.blackmanCoeff)
        self.melBanks = try MelBanks(options: options)
        self.layout = FrameLayout(options: options)
        self.fft = BatchRealFFT(length: options.paddedWindowSize, batch: FBank.blockSize)
        self.spectrum = .allocate(capacity: FBank.blockSize * options.spectrumBins)
        self.blockLogEnergy = [Float](repeating: 0, count: FBank.blockSize)
    }

    deinit { spectrum.deallocate() }

    /// Features of `samples` (at `options.sampleFrequency`). Throws if dither > 0 (use the
    /// overload with a stream). Zero frames (a clip shorter than one frame with snip_edges) give
    /// an empty result, as in Kaldi; the file-level front end turns that into an error.
    public func compute(_ samples: [Float]) throws -> FBankFeatures {
        guard options.dither == 0 else { throw FBankError.ditherNeedsStream }
        return run(samples, stream: nil)
    }

    /// Features with dither drawn from `stream` (normal draws, frame by frame, sample by sample).
    public func compute(_ samples: [Float], dither stream: inout RandomStream) -> FBankFeatures {
        withUnsafeMutablePointer(to: &stream) { run(samples, stream: $0) }
    }

    private func run(_ samples: [Float], stream: UnsafeMutablePointer<RandomStream>?) -> FBankFeatures {
        let F = layout.numFrames(samples: samples.count)
        let D = options.featureDimension, M = options.numMelBins, K = options.spectrumBins
        var out = [Float](repeating: 0, count: F * D)
        let logFloor = Foundation.log(options.energyFloor)
        samples.withUnsafeBufferPointer { signal in
            out.withUnsafeMutableBufferPointer { o in
                var start = 0
                while start < F {
                    let count = min(FBank.blockSize, F - start)
                    fillBlock(signal, frames: start..<(start + count), stream: stream)
                    fft.execute()
                    computeSpectrum(rows: count)
                    for r in 0..<count {
                        let row = o.baseAddress! + (start + r) * D
                        let mel = options.useEnergy ? row + 1 : row
                        melBanks.apply(spectrum: spectrum + r * K, to: mel)
                        if options.useLogFbank {
                            for m in 0..<M { mel[m] = Foundation.log(max(mel[m], FBank.epsilon)) }
                        }
                        if options.useEnergy {
                            var e = blockLogEnergy[r]
                            if options.energyFloor > 0 && e < logFloor { e = logFloor }
                            row[0] = e
                        }
                    }
                    start += count
                }
            }
        }
        return FBankFeatures(numFrames: F, dimension: D, values: out)
    }

    /// Stages for the frames `indices` (each < F), for tests and diagnosis.
    public func stages(_ samples: [Float], frames indices: [Int], dither stream: inout RandomStream) -> FBankStages {
        var s = FBankStages()
        let L = options.windowSize, P = options.paddedWindowSize, K = options.spectrumBins
        samples.withUnsafeBufferPointer { signal in
            withUnsafeMutablePointer(to: &stream) { streamPointer in
                var start = 0
                while start < indices.count {
                    let chunk = Array(indices[start..<min(start + FBank.blockSize, indices.count)])
                    var raw = [Float](repeating: 0, count: L)
                    for f in chunk {
                        raw.withUnsafeMutableBufferPointer {
                            layout.extract(frame: f, from: signal, scale: options.inputScale.factor, into: $0.baseAddress!)
                        }
                        s.frames += raw
                    }
                    fillBlock(signal, frames: chunk, stream: options.dither > 0 ? streamPointer : nil)
                    for r in 0..<chunk.count {
                        s.windowedFrames += UnsafeBufferPointer(start: fft.input + r * P, count: P)
                        s.logEnergy.append(blockLogEnergy[r])
                    }
                    fft.execute()
                    computeSpectrum(rows: chunk.count)
                    s.spectrum += UnsafeBufferPointer(start: spectrum, count: chunk.count * K)
                    start += chunk.count
                }
            }
        }
        return s
    }

    /// Cuts and processes frames into the FFT input rows 0..<count; log energies into blockLogEnergy.
    private func fillBlock<C: Collection>(_ signal: UnsafeBufferPointer<Float>, frames: C,
                                          stream: UnsafeMutablePointer<RandomStream>?) where C.Element == Int {
        let L = options.windowSize, P = options.paddedWindowSize
        let scale = options.inputScale.factor
        for (r, f) in frames.enumerated() {
            let row = fft.input + r * P
            layout.extract(frame: f, from: signal, scale: scale, into: row)
            blockLogEnergy[r] = processFrame(row, stream: stream)
            // FFTW may have overwritten the padding of the previous block: zero it every time.
            if P > L { (row + L).update(repeating: 0, count: P - L) }
        }
    }

    /// Kaldi ProcessWindow on one frame of L samples, in place; returns the log energy (raw or
    /// after the window, per options; 0 when energy is not used).
    @inline(__always)
    private func processFrame(_ x: UnsafeMutablePointer<Float>, stream: UnsafeMutablePointer<RandomStream>?) -> Float {
        let L = options.windowSize
        if options.dither > 0, let stream {
            let d = options.dither
            for i in 0..<L { x[i] += stream.pointee.normal(mean: 0, std: d) }
        }
        if options.removeDcOffset {
            let mean = FBank.sum(x, L) / Float(L)
            FBank.addScalar(x, L, -mean)
        }
        var logEnergy: Float = 0
        if options.useEnergy && options.rawEnergy {
            logEnergy = Foundation.log(max(FBank.dot(x, x, L), FBank.epsilon))
        }
        let c = options.preemphasisCoefficient
        if c != 0 { FBank.preemphasize(x, L, c) }
        window.withUnsafeBufferPointer { w in FBank.multiply(x, w.baseAddress!, L) }
        if options.useEnergy && !options.rawEnergy {
            logEnergy = Foundation.log(max(FBank.dot(x, x, L), FBank.epsilon))
        }
        return logEnergy
    }

    /// |X|^2 (or |X|) of the first `rows` FFT outputs into `spectrum` [rows, K].
    private func computeSpectrum(rows: Int) {
        let K = options.spectrumBins
        let usePower = options.usePower
        for r in 0..<rows {
            let c = fft.output + r * 2 * K
            let p = spectrum + r * K
            var k = 0
            while k + 8 <= K {
                let v = UnsafeRawPointer(c + 2 * k).loadUnaligned(as: SIMD16<Float>.self)
                let re = v.evenHalf, im = v.oddHalf
                var pw = re * re
                pw.addProduct(im, im)
                if !usePower { pw = pw.squareRoot() }
                UnsafeMutableRawPointer(p + k).storeBytes(of: pw, as: SIMD8<Float>.self)
                k += 8
            }
            while k < K {
                let re = c[2 * k], im = c[2 * k + 1]
                let pw = re * re + im * im
                p[k] = usePower ? pw : pw.squareRoot()
                k += 1
            }
        }
    }

    // MARK: SIMD kernels on L-length frames

    @inline(__always)
    static func sum(_ x: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= n { acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self); i += 8 }
        var s = acc.sum()
        while i < n { s += x[i]; i += 1 }
        return s
    }

    @inline(__always)
    static func dot(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            acc.addProduct(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self),
                           UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self))
            i += 8
        }
        var s = acc.sum()
        while i < n { s += x[i] * y[i]; i += 1 }
        return s
    }

    @inline(__always)
    static func addScalar(_ x: UnsafeMutablePointer<Float>, _ n: Int, _ a: Float) {
        var i = 0
        let av = SIMD8<Float>(repeating: a)
        while i + 8 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) + av
            UnsafeMutableRawPointer(x + i).storeBytes(of: v, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { x[i] += a; i += 1 }
    }

    @inline(__always)
    static func multiply(_ x: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(w + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(x + i).storeBytes(of: v, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { x[i] *= w[i]; i += 1 }
    }

    /// x[i] -= c * x[i-1] for i = n-1 down to 1, then x[0] -= c * x[0] (Kaldi Preemphasize).
    /// Chunks of 8 go from the end down, so each chunk reads x[i-1] before it is changed.
    @inline(__always)
    static func preemphasize(_ x: UnsafeMutablePointer<Float>, _ n: Int, _ c: Float) {
        var i = n
        let cv = SIMD8<Float>(repeating: c)
        while i - 8 >= 1 {
            i -= 8
            let cur = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            let prev = UnsafeRawPointer(x + i - 1).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(x + i).storeBytes(of: cur - cv * prev, as: SIMD8<Float>.self)
        }
        while i > 1 { i -= 1; x[i] -= c * x[i - 1] }
        x[0] -= c * x[0]
    }
}
