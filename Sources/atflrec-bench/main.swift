// atflrec-bench: speed measurements, printed as a table. `make bench` runs this binary and then
// the reference implementations' scripts on the same machine, so ratios are taken in one run.
// Each benchmark lives in its own file and registers itself in `allBenchmarks` below.
// Usage: atflrec-bench [NAME ...]   (no names: every benchmark but gemm and encoder-product, which
// `make bench-gemm` runs by name under chosen kernels and paths, and plan-efficiency, which trains
// an epoch of a paper run: `make bench-plan-efficiency`; mllm-msr-step, run by name to cost issue 28's plan)
import Foundation
import TensorCore

struct Benchmark {
    let name: String
    /// Run by `atflrec-bench` without names; false for those `make bench-gemm` runs by name
    /// under chosen kernels and paths.
    var byDefault = true
    let run: () throws -> Void
}

let allBenchmarks: [Benchmark] = [
    Benchmark(name: "matmul", run: matmulBenchmark),
    Benchmark(name: "gemm", byDefault: false, run: gemmBenchmark),
    fbankBenchmark,
    encoderBenchmark,
    encoderProductBenchmark,
    encoderPackedBenchmark,
    planEfficiencyBenchmark,
    runPackedBenchmark,
    featureCacheBenchmark,
    sequentialStepBenchmark,
]

// One OpenBLAS kernel set on every AVX2 + FMA CPU (BLASCore), so results are the same bytes
// everywhere; ATFLREC_KERNELS=native keeps the CPU's own. First, before any BLAS work.
BLASCore.pinAtStart(program: "atflrec-bench")
// The same allocator policy as the atflrec program, so the benchmarks time what training runs.
AllocatorPolicy.keepLargeBlocksInHeap()
// OpenBLAS workers sleep soon after a GEMM, so row kernels get the other core (BLASThreads).
BLASThreads.sleepWhenIdle()

let wanted = Set(CommandLine.arguments.dropFirst())
for benchmark in allBenchmarks where wanted.isEmpty ? benchmark.byDefault : wanted.contains(benchmark.name) {
    do {
        try benchmark.run()
    } catch {
        FileHandle.standardError.write(Data("atflrec-bench: \(benchmark.name): \(error)\n".utf8))
        exit(1)
    }
}
