// Real-to-complex FFTs of a block of B frames at once through one FFTW plan
// (fftwf_plan_many_dft_r2c), made once per FBank and reused for every block. FFTW's planner and
// plan destruction are not thread-safe, so both run under one process-wide lock; executing a plan
// on its own buffers is safe from any thread. FFTW_ESTIMATE keeps planning deterministic.
import CFFTW
import Foundation

/// Serialises every FFTW planner call of the process.
let fftwPlannerLock = NSLock()

/// A reusable batch r2c FFT: `input` holds B rows of P reals, `output` B rows of K = P/2 + 1
/// complex values (interleaved re, im). Not thread-safe: one instance per thread.
final class BatchRealFFT {
    let length: Int        // P
    let batch: Int         // B
    let bins: Int          // K
    let input: UnsafeMutablePointer<Float>   // [B, P]
    let output: UnsafeMutablePointer<Float>  // [B, K, 2]
    private let plan: fftwf_plan

    init(length: Int, batch: Int) {
        self.length = length
        self.batch = batch
        self.bins = length / 2 + 1
        input = fftwf_alloc_real(length * batch)!
        input.initialize(repeating: 0, count: length * batch)
        let complex = fftwf_alloc_complex(bins * batch)!
        output = UnsafeMutableRawPointer(complex).bindMemory(to: Float.self, capacity: 2 * bins * batch)
        output.initialize(repeating: 0, count: 2 * bins * batch)
        var n = Int32(length)
        fftwPlannerLock.lock()
        // The input may be overwritten by FFTW (r2c default); callers refill every row before
        // each execution, zero padding included.
        plan = fftwf_plan_many_dft_r2c(
            1, &n, Int32(batch), input, nil, 1, Int32(length), complex, nil, 1, Int32(bins),
            atf_fftw_estimate())!
        fftwPlannerLock.unlock()
    }

    /// FFTW's description of the plan (fftwf_sprint_plan): the solvers and codelets it runs. It
    /// depends only on the library's codelets and the sizes (FFTW_ESTIMATE never times), so a
    /// test pins it: a machine whose FFTW chose another plan would compute other bits.
    var planDescription: String {
        fftwPlannerLock.lock()
        defer { fftwPlannerLock.unlock() }
        guard let text = fftwf_sprint_plan(plan) else { return "" }
        defer { free(text) }
        return String(cString: text)
    }

    deinit {
        fftwPlannerLock.lock()
        fftwf_destroy_plan(plan)
        fftwPlannerLock.unlock()
        fftwf_free(input)
        fftwf_free(output)
    }

    /// Transforms all B rows of `input` into `output`.
    func execute() { fftwf_execute(plan) }
}
