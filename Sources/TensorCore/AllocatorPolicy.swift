// glibc serves every allocation above M_MMAP_THRESHOLD (dynamically 128 KiB to 32 MiB) with a
// fresh mmap and returns it to the kernel on free. The audio branch's tensors are far larger
// (3,000 frames x 50 items x 384 channels = 230 MB a batch), so every forward and backward
// pass took fresh pages that the kernel had to zero: measured with `perf record` on an ml100k
// layout (a) epoch, a quarter of all cycles went to clear_page and page faults. Keeping large
// blocks in the heap lets the next batch reuse them. This changes no value, only where memory
// comes from; programs that train call it once at start.
//
// Trimming is switched off with -1 (mallopt(3): "Setting M_TRIM_THRESHOLD to -1 disables
// trimming completely"; glibc stores the value as a size_t). The earlier INT_MAX threshold was
// too low: a synthlens K=500 batch grows the heap by about 1.9 GiB, so once it was freed the top
// of the heap passed 2 GiB, glibc returned it to the kernel, and the next batch faulted in fresh
// zeroed pages again (measured on 2026-12-02 with perf: heap break back to its start every batch,
// 75,000 page faults a second, clear_page 9.5% of all cycles).

#if os(Linux)
// mallopt(3) from <malloc.h>, which Swift's Glibc module does not export.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
// The parameter numbers of <malloc.h>.
private let mTrimThreshold: Int32 = -1, mTopPad: Int32 = -2, mMmapThreshold: Int32 = -3
#endif

public enum AllocatorPolicy {
    public static func keepLargeBlocksInHeap() {
        #if os(Linux)
        _ = glibcMallopt(mMmapThreshold, 1 << 30)   // blocks below 1 GiB come from the heap
        _ = glibcMallopt(mTrimThreshold, -1)        // and freed heap is kept for the next batch
        _ = glibcMallopt(mTopPad, 64 << 20)
        #endif
    }
}
