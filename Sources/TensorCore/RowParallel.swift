import Dispatch

// Row-parallel loops for the element-wise and per-row kernels between GEMMs (LayerNorm, GELU,
// softmax blocks). Without them the second core idles through every non-BLAS pass: in a MiniLM
// forward pass that was about a third of the wall time (perf: the OpenBLAS worker yielding).
//
// Determinism: work is cut into contiguous chunks of whole rows, each written by one worker, and
// no reduction crosses a chunk, so every element is computed by the same instructions in the
// same order whatever the number of workers: the results are bit-identical to one thread.
// The worker count is the BLAS thread count (a run's pinned `threads`), so a run never uses
// more cores than its configuration says.

public enum RowParallel {
    /// A worker count used instead of the BLAS thread count when set. For tests, which run at
    /// one BLAS thread (the count is process-wide) yet must exercise the split: the results do
    /// not depend on the count, which is what those tests check.
    nonisolated(unsafe) public static var workerCountOverride: Int? = nil

    /// About this many elements per worker at least: below it a dispatch costs more than the pass.
    public static let elementsPerWorker = 65_536

    /// forEach(rows:minimumRows:) for rows of `rowWidth` elements each, with the minimum chunk
    /// derived from `elementsPerWorker` (the one threshold every row kernel uses).
    public static func forEach(rows: Int, rowWidth: Int, _ body: (Range<Int>) -> Void) {
        forEach(rows: rows, minimumRows: Swift.max(1, elementsPerWorker / Swift.max(1, rowWidth)), body)
    }

    /// body(rows range) over 0..<rows in at most BLASThreads.current contiguous chunks; no chunk
    /// is smaller than `minimumRows` (small loops stay on the calling thread: a dispatch costs
    /// a few microseconds). `body` must write only the rows it is given.
    public static func forEach(rows: Int, minimumRows: Int, _ body: (Range<Int>) -> Void) {
        let workers = Swift.min(workerCountOverride ?? BLASThreads.current, rows / Swift.max(1, minimumRows))
        guard workers > 1 else {
            if rows > 0 { body(0..<rows) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            body((rows * w / workers)..<(rows * (w + 1) / workers))
        }
    }
}
