import ATFLRecModel
import Experiments
import Foundation
import RecData
import Synchronization
import TensorCore

// Issue 29, point 4: how much of the machine a paper run uses. One epoch of the ml100k layout (a)
// K=500 seed-0 configuration (training plus its 200 validation samples) and its test evaluation
// (1,000 samples), under the exact product (the numerics of new runs), with the floating-point
// operations of every matrix product counted from the shapes (MatrixProductFLOPs: 2 m n k per
// product; element-wise work not counted), against the peak of the same product measured in this
// invocation on the encoder's largest shape. A whole run is epochs x one epoch + one test
// evaluation, so the committed run's epochs give its matrix-product work.
// Needs the ml100k data, its FBank cache and MiniLM-L6 (make ml100k minilm); run from the repository root.

let planEfficiencyBenchmark = Benchmark(name: "plan-efficiency", byDefault: false) {
    let run = ProcessInfo.processInfo.environment["PLAN_EFFICIENCY_RUN"] ?? "atflrec-a-eb463ccd"
    let root = URL(fileURLWithPath: ".")
    let committed = root.appendingPathComponent("paper/runs/\(run)")
    var c = try ConfigurationLoader.resolve(file: committed.appendingPathComponent("config.json").path,
                                            overrides: ["training.epochs=1", "numerics=exact-fma"])
    c.name = "plan-efficiency"
    let recorded = try RunResult.decode(Data(contentsOf: committed.appendingPathComponent("result.json")))
    let scratch = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("atflrec-plan-efficiency-\(getpid())")
    defer { try? FileManager.default.removeItem(at: scratch) }
    let directory = RunDirectory(root: scratch, configuration: c)
    try directory.prepare()
    print("plan-efficiency: \(run) (ml100k (a) K=\(c.data.shots)) under exact-fma (\(MatrixProductSettings.path.rawValue) path), \(c.threads) threads")

    let quiet = ProgressLine(label: "plan-efficiency", total: 1, forceQuiet: true)
    let before = MatrixProductFLOPs.total
    var start = DispatchTime.now().uptimeNanoseconds
    _ = try ATFLRecModelTrainer(root: root).run(c, in: directory, progress: quiet)
    let trainAndTestSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let trainAndTestFLOPs = Double(MatrixProductFLOPs.total - before)

    // The test evaluation alone, from the run's best checkpoint: the same work the run ended with.
    let afterRun = MatrixProductFLOPs.total
    start = DispatchTime.now().uptimeNanoseconds
    _ = try TrainedRun(directory: directory.url, root: root).evaluate(split: "test")
    let testSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let testFLOPs = Double(MatrixProductFLOPs.total - afterRun)
    let epochFLOPs = trainAndTestFLOPs - testFLOPs, epochSeconds = trainAndTestSeconds - testSeconds

    let peak = exactProductPeak(threads: c.threads)

    func line(_ label: String, _ flops: Double, _ seconds: Double) {
        let achieved = flops / seconds / 1e9
        print(String(format: "  %-44@ %9.1f GFLOP of products in %7.1f s: %6.1f GFLOP/s, %4.1f%% of the product's peak",
                     label as NSString, flops / 1e9, seconds, achieved, 100 * achieved / peak))
    }
    print(String(format: "  exact product peak (2048x1536x384, median of 15): %.1f GFLOP/s", peak))
    line("one epoch (500 training + 200 validation)", epochFLOPs, epochSeconds)
    line("test evaluation (1000 samples)", testFLOPs, testSeconds)
    let runFLOPs = Double(recorded.epochsRun) * epochFLOPs + testFLOPs
    print(String(format: "  the committed run: %d epochs + test = %.0f GFLOP of products; at this epoch's rate %.0f s "
                 + "(recorded: %.0f s, kernels %@)", recorded.epochsRun, runFLOPs / 1e9,
                 Double(recorded.epochsRun) * epochSeconds + testSeconds, recorded.wallSeconds,
                 (recorded.blasCore ?? "not recorded") as NSString))
}

// Issue 29, point 2 (second half): the feature cache's throughput over the ml100k soundtracks,
// as a run builds it (DatasetFeatures.prepare: every item's surrogate soundtrack rendered, its
// FBank computed, HDF5 shards written and merged), with 2 workers, into a scratch file.
let featureCacheBenchmark = Benchmark(name: "feature-cache", byDefault: false) {
    var c = ExperimentConfiguration()
    c.data.dataset = "ml100k"
    let root = URL(fileURLWithPath: ".")
    let dataset = try DatasetSplits.dataset(c, root: root)
    let items = dataset.audio.keys.sorted()
    let options = DatasetFeatures.options(numMelBins: c.audio.numMelBins, frameLengthMs: c.audio.frameLengthMs,
                                          frameShiftMs: c.audio.frameShiftMs, sampleFrequency: c.audio.sampleFrequency,
                                          maxSeconds: c.audio.maxSeconds)
    let scratch = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("atflrec-feature-cache-\(getpid())")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    for workers in [1, 2] {
        let start = DispatchTime.now().uptimeNanoseconds
        try DatasetFeatures.prepare(dataset, items: items, options: options, explicitPath: nil, root: scratch, workers: workers, progress: false)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        try FileManager.default.removeItem(at: scratch.appendingPathComponent(".cache"))  // the next count starts from nothing
        print(String(format: "feature-cache: ml100k, %d soundtracks of %.0f s, %d bins, %d worker(s): %.1f s = %.1f items/s (%.1f ms per item)",
                     items.count, c.audio.maxSeconds, c.audio.numMelBins, workers, seconds, Double(items.count) / seconds,
                     1000 * seconds / Double(items.count)))
    }
}

// The packed pass on real runs (issue 29, point 3): one epoch and the test evaluation of the
// ml100k Table III (c) and (b) K=100 seed-0 configurations of the fast profile, under the exact
// product, with the padded pass (LoRABackbone.packsSequences off) and the packed one, in this
// order, in one invocation. Prints the padding share of the encoded rows, both times, their
// ratio, and whether the test predictions are the same bits (they must be: PackedRowsTests).
let runPackedBenchmark = Benchmark(name: "run-packed", byDefault: false) {
    let root = URL(fileURLWithPath: ".")
    for run in ["atflrec-c-85e047dc", "atflrec-b-5d578560"] {
        let committed = root.appendingPathComponent("paper/runs/\(run)")
        var c = try ConfigurationLoader.resolve(file: committed.appendingPathComponent("config.json").path,
                                                overrides: ["training.epochs=1"])
        c.name = "run-packed"
        var seconds: [Double] = [], predictions: [Predictions] = [], padding = 0.0
        for packed in [false, true] {
            LoRABackbone.packsSequences = packed
            let scratch = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("atflrec-run-packed-\(getpid())")
            defer { try? FileManager.default.removeItem(at: scratch) }
            let directory = RunDirectory(root: scratch, configuration: c)
            try directory.prepare()
            let (valid0, pad0) = (LoRABackbone.validRows.load(ordering: .relaxed), LoRABackbone.paddingRows.load(ordering: .relaxed))
            let start = DispatchTime.now().uptimeNanoseconds
            let (_, p) = try ATFLRecModelTrainer(root: root).run(c, in: directory,
                                                                 progress: ProgressLine(label: "run-packed", total: 1, forceQuiet: true))
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            predictions.append(p)
            let valid = LoRABackbone.validRows.load(ordering: .relaxed) - valid0
            let pad = LoRABackbone.paddingRows.load(ordering: .relaxed) - pad0
            padding = Double(pad) / Double(valid + pad)
        }
        LoRABackbone.packsSequences = true
        print(String(format: "run-packed  %@ (ml100k (%@) K=%d, one epoch + test, %d threads, exact-fma): %.1f%% of the padded rows are padding; "
                     + "padded %.1f s, packed %.1f s, ratio %.3f; test predictions %@", run as NSString,
                     c.lora.layout.rawValue as NSString, c.data.shots, c.threads, 100 * padding, seconds[0], seconds[1], seconds[1] / seconds[0],
                     (predictions[0] == predictions[1] ? "the same bits" : "DIFFER") as NSString))
    }
}
