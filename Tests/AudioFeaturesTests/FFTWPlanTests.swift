// The filter bank's FFT gives the same bits on every CPU only if FFTW makes the same plan
// everywhere (DETERMINISM.md): plans are estimated, never timed, and Debian's libfftw3f
// 3.3.10 carries SSE2 and AVX codelets only, which every AVX2 CPU has. This pins the plans of the
// sizes the paper's runs use (512 points: 25 ms frames at 16 kHz; 1024: the 50 ms frames of the
// 128-bin row) to the ones recorded in Tests/Fixtures/audio/fftw-plans.txt, written on an AMD
// EPYC (Zen 3) on 2026-12-06: a machine whose FFTW chose other solvers or codelets fails here.
import Foundation
import Testing
import TestSupport
@testable import AudioFeatures

@Suite("FFTW plans are the same on every machine")
struct FFTWPlanTests {
    @Test func filterBankPlansMatchTheRecordedOnes() throws {
        let recorded = try String(contentsOf: Fixtures.url("audio/fftw-plans.txt"), encoding: .utf8)
        var now = ""
        for length in [512, 1024] {
            now += "length \(length) batch \(FBank.blockSize)\n" + BatchRealFFT(length: length, batch: FBank.blockSize).planDescription + "\n"
        }
        #expect(now == recorded, "FFTW made other plans here:\n\(now)")
    }
}
