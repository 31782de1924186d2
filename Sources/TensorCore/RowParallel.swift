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

    /// body(bh) for every block of `blocks` on `workers` threads: contiguous shares, cut where the
    /// blocks' cumulative sizes (block i spans offsets[i]..<offsets[i + 1], as attention's P)
    /// cross equal fractions of the total, so samples of different lengths share the work evenly. Each block is done by one
    /// thread, whole, so which thread does it cannot change its bits. Unlike the row loops above,
    /// `workers` is the caller's (attention's blocks follow the exact product's thread count).
    public static func forEach(blocks: [Int], offsets: [Int], workers: Int, _ body: (Int) -> Void) {
        guard let last = blocks.last else { return }
        let total = offsets[last + 1] - offsets[blocks[0]]
        let parts = Swift.min(workers, blocks.count)
        // cuts[w]: the first block of share w (blocks whose start passes w/parts of the total).
        var cuts = [Int](repeating: blocks.count, count: parts + 1)
        var w = 0
        for (i, bh) in blocks.enumerated() {
            while w < parts && (offsets[bh] - offsets[blocks[0]]) * parts >= total * w { cuts[w] = i; w += 1 }
        }
        cuts[0] = 0
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            for i in cuts[part]..<cuts[part + 1] { body(blocks[i]) }
        }
    }
}
