// MiniLM-L6 train step and forward pass, the setting of issue 4 (REFERENCE.md section 8): LoRA
// r=4 (alpha 8, dropout 0) on query and value, batch 8, sequence 256 (no padding), classifier on
// the first token, mean BCE, Adam; medians of 10 after one warm-up. The compared figure computes the last layer for the first
// token only (BertEncoder firstPositions: 1); the whole-last-layer figure is printed beside it.
// The PyTorch + PEFT side (Tests/Fixtures/text/bench_encoder.py, run by `make bench` after this
// binary) uses the same setting and thread count and prints the ratio from
// .cache/bench/encoder_swift.json. Thread count: $OPENBLAS_NUM_THREADS (default 2).
import Autograd
import Foundation
import NeuralLayers
import Optimizers
import SeededRandom
import TensorCore
import TextModels

/// The benchmark's model, batch and timed steps (shared by `encoder` and `encoder-product`).
final class EncoderBenchSetup {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let threads = Int(ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "") ?? 2
    let encoder: BertEncoder
    let classifier: Linear<Float>
    let trainable: [(String, Variable<Float>)]
    let (B, T) = (8, 256)
    let C: Int
    let batch: [[Int]]
    let labels: Tensor<Float>
    var adam: Adam
    var dropout = SeedBook(seed: 0).stream(.dropout)
    // firstPositions 1: the last layer computes only the first token, all the classifier reads.
    var firstTokenOnly = false

    init() throws {
        BLASThreads.set(threads)
        // The product of new runs (the exact one) on the same thread count, as a run selects it
        // (ExperimentConfiguration); `encoder-product` sets each product in turn itself.
        MatrixProductSettings.use(.exactFMA, threads: threads)
        encoder = try BertEncoder(directory: root.appendingPathComponent(".cache/models/all-minilm-l6-v2").path)
        var r = SeedBook(seed: 0).stream(.initialization)
        try encoder.addAdapter("default", rank: 4, alpha: 8, dropout: 0, targets: ["query", "value"], random: &r)
        C = encoder.configuration.hiddenSize
        classifier = Linear<Float>(inputSize: C, outputSize: 1, trainable: true, random: &r)
        trainable = encoder.adapterParameters + classifier.namedParameters(prefix: "classifier.")
        // Token ids: [CLS] + 254 ids drawn from the ordinary vocabulary + [SEP], per sample.
        let (B, T) = (self.B, self.T)
        batch = (0..<B).map { _ in [101] + (0..<(T - 2)).map { _ in 1000 + Int(r.uniformDouble() * 28000) } + [102] }
        labels = Tensor<Float>(shape: [B], scalars: (0..<B).map { Float($0 % 2) })
        adam = Adam(configuration: AdamConfiguration(learningRate: 1e-3), variables: trainable)
    }

    func loss(_ tape: Tape<Float>) -> Variable<Float> {
        let hidden = encoder.forward(batch, adapter: "default", firstPositions: firstTokenOnly ? 1 : nil, random: &dropout, on: tape).last!
        let first = tape.reshape(tape.slice(hidden, axis: 1, 0..<1), [B, C])
        return tape.bceWithLogits(tape.reshape(classifier(first, on: tape), [-1]), targets: labels)
    }
    func milliseconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now()
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
    }
    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    func measure(fused: Bool, firstToken: Bool = false, steps: Int = 10) -> (train: [Double], forward: [Double]) {
        encoder.fusedAttention = fused
        firstTokenOnly = firstToken
        let train = (0...steps).map { _ in
            milliseconds {
                let tape = Tape<Float>()
                tape.backward(loss(tape))
                adam.step(learningRate: 1e-3, variables: trainable)
                for (_, p) in trainable { p.zeroGrad() }
            }
        }.dropFirst()                                       // the first step warms caches up
        let forward = (0...steps).map { _ in milliseconds { _ = loss(Tape<Float>(recording: false, training: false)) } }.dropFirst()
        return (Array(train), Array(forward))
    }
}

let encoderBenchmark = Benchmark(name: "encoder") {
    let bench = try EncoderBenchSetup()
    let (B, T, threads, root) = (bench.B, bench.T, bench.threads, bench.root)
    let (loss, median) = (bench.loss, bench.median)
    // The unfused attention (primitive ops) first, as the profile's reference point; then the
    // fused attention with the whole last layer (what PyTorch computes), then with the last
    // layer on the first token only (the figure compared with PyTorch).
    if ProcessInfo.processInfo.environment["ATFLREC_BENCH_PROFILE"] != nil {
        // For `perf record`: 20 first-token train steps (not with =forward) and forward passes.
        bench.encoder.fusedAttention = true
        bench.firstTokenOnly = true
        if ProcessInfo.processInfo.environment["ATFLREC_BENCH_PROFILE"] != "forward" {
            for _ in 0..<20 { let tape = Tape<Float>(); tape.backward(loss(tape)) }
        }
        for _ in 0..<20 { _ = loss(Tape<Float>(recording: false, training: false)) }
        return
    }
    let unfused = bench.measure(fused: false), full = bench.measure(fused: true)
    let fused = bench.measure(fused: true, firstToken: true)
    for (name, m) in [("unfused attention", unfused), ("fused attention, whole last layer", full),
                      ("fused attention, last layer on the first token", fused)] {
        print(String(format: "encoder swift  MiniLM-L6 LoRA r=4 q/v, batch %d x %d, %d thread(s), exact-fma (%@), %@: train step %.0f ms (min %.0f), forward %.0f ms (min %.0f)",
                     B, T, threads, MatrixProductSettings.path.rawValue, name, median(m.train), m.train.min()!, median(m.forward), m.forward.min()!))
    }
    let (trainMs, forwardMs) = (median(fused.train), median(fused.forward))
    // The forward pass's floor on this machine (issue 29, point 1): its matrix products' work,
    // counted from their shapes (MatrixProductFLOPs), at the exact product's peak measured now.
    // No forward with these products can be faster than that, whatever its other work costs.
    let before = MatrixProductFLOPs.total
    _ = loss(Tape<Float>(recording: false, training: false))
    let forwardFLOPs = Double(MatrixProductFLOPs.total - before)
    let peak = exactProductPeak(threads: threads)
    let floorMs = forwardFLOPs / (peak * 1e9) * 1000
    print(String(format: "encoder swift  forward's matrix products: %.1f GFLOP; at the exact product's peak (%.1f GFLOP/s, 2048x1536x384) "
                 + "they take at least %.0f ms, %.0f%% of the measured forward", forwardFLOPs / 1e9, peak, floorMs, 100 * floorMs / forwardMs))
    let cache = root.appendingPathComponent(".cache/bench")
    try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
    let json = #"{"threads": \#(threads), "train_ms": \#(trainMs), "forward_ms": \#(forwardMs), "#
        + #""train_min_ms": \#(fused.train.min()!), "forward_min_ms": \#(fused.forward.min()!), "#
        + #""forward_gflop": \#(forwardFLOPs / 1e9), "product_peak_gflops": \#(peak), "forward_floor_ms": \#(floorMs)}"#
    try Data(json.utf8).write(to: cache.appendingPathComponent("encoder_swift.json"), options: .atomic)
}

// Issue 31, point 3: the encoder's train step and forward (fused attention, last layer on the
// first token: the setting compared with PyTorch) with OpenBLAS's loaded kernels and with the
// exact product on its path, alternating rounds so that drift of a shared machine hits both.
// Run under ATFLREC_KERNELS=native (make bench-gemm) for the comparison with the native kernels.
let encoderProductBenchmark = Benchmark(name: "encoder-product", byDefault: false) {
    let bench = try EncoderBenchSetup()
    var times: [MatrixProduct: (train: [Double], forward: [Double])] = [:]
    for _ in 0..<3 {
        for product in [MatrixProduct.openBLAS, .exactFMA] {
            MatrixProductSettings.use(product, threads: bench.threads)
            let m = bench.measure(fused: true, firstToken: true, steps: 4)
            times[product, default: ([], [])].train += m.train
            times[product, default: ([], [])].forward += m.forward
        }
    }
    MatrixProductSettings.use(.openBLAS, threads: bench.threads)
    let o = times[.openBLAS]!, e = times[.exactFMA]!
    let (ot, of, et, ef) = (bench.median(o.train), bench.median(o.forward), bench.median(e.train), bench.median(e.forward))
    print(String(format: "encoder-product  MiniLM-L6 batch %d x %d, %d threads, median of %d: OpenBLAS (%@) train step %.0f ms, forward %.0f ms; "
                 + "exact-fma (%@) train step %.0f ms, forward %.0f ms; ratio train %.3f, forward %.3f",
                 bench.B, bench.T, bench.threads, o.train.count, BLASCore.current, ot, of, MatrixProductSettings.path.rawValue,
                 et, ef, et / ot, ef / of))
}

// The packed pass (BertEncoder.forward(packedEmbeddings:), what runs use under the exact product)
// against the padded pass on a batch with padding: the encoder benchmark's model, 8 sequences of
// 110-212 tokens (seeded; ml100k's prompts average about 150 tokens, at most 212), last layer on
// the first token, classifier and BCE as in `encoder`; train step (forward and backward) and
// forward, alternating rounds so that drift of a shared machine hits both. Same bits
// (PackedRowsTests); this measures what leaving the padded rows out saves.
let encoderPackedBenchmark = Benchmark(name: "encoder-packed") {
    let bench = try EncoderBenchSetup()
    let (B, C, encoder, classifier) = (bench.B, bench.C, bench.encoder, bench.classifier)
    var draw = SeedBook(seed: 1).stream(.initialization, "packed benchmark lengths")
    let lengths = (0..<B).map { _ in 110 + Int(draw.uniformDouble() * 103) }
    let T = lengths.max()!
    let ids = (0..<B).map { Array(bench.batch[$0].prefix(lengths[$0] - 1)) + [102] }
    let rows = PackedRows(counts: lengths, length: T)
    let words = encoder.wordEmbeddings(ids.flatMap { $0 }, on: Tape(recording: false)).value      // [rows, C]
    var padded = Tensor<Float>(zeros: [B * T, C])
    padded.scatterAddRows(rows.paddedIndices(width: T), words)
    let paddedInput = Variable(padded.reshaped([B, T, C])), packedInput = Variable(words)
    func loss(_ tape: Tape<Float>, packed: Bool) -> Variable<Float> {
        var dropout = bench.dropout
        let first = packed
            ? encoder.forward(packedEmbeddings: packedInput, rows: rows, adapter: "default", firstPositions: 1, random: &dropout, on: tape)
            : tape.reshape(encoder.forward(inputEmbeddings: paddedInput, lengths: lengths, adapter: "default", firstPositions: 1,
                                           random: &dropout, on: tape).last!, [B, C])
        return tape.bceWithLogits(tape.reshape(classifier(first, on: tape), [-1]), targets: bench.labels)
    }
    var times: [Bool: (train: [Double], forward: [Double])] = [:]
    for round in 0..<4 {
        for packed in [false, true] {
            for step in 0..<4 {
                let train = bench.milliseconds {
                    let tape = Tape<Float>()
                    tape.backward(loss(tape, packed: packed))
                    for (_, p) in bench.trainable { p.zeroGrad() }
                }
                let forward = bench.milliseconds { _ = loss(Tape<Float>(recording: false, training: false), packed: packed) }
                if round > 0 || step > 0 {                  // the very first step of each warms caches up
                    times[packed, default: ([], [])].train.append(train)
                    times[packed, default: ([], [])].forward.append(forward)
                }
            }
        }
    }
    let p = times[false]!, q = times[true]!
    let (pt, pf, qt, qf) = (bench.median(p.train), bench.median(p.forward), bench.median(q.train), bench.median(q.forward))
    print(String(format: "encoder-packed  MiniLM-L6 batch %d, lengths %d-%d (%.1f%% of the padded %d x %d rows are padding), %d threads, exact-fma, "
                 + "median of %d: padded train step %.0f ms, forward %.0f ms; packed train step %.0f ms, forward %.0f ms; "
                 + "ratio train %.3f, forward %.3f", B, lengths.min()!, T, 100 * Double(B * T - rows.rows) / Double(B * T), B, T,
                 bench.threads, p.train.count, pt, pf, qt, qf, qt / pt, qf / pf))
}
