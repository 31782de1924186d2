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

let encoderBenchmark = Benchmark(name: "encoder") {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let model = root.appendingPathComponent(".cache/models/all-minilm-l6-v2").path
    let threads = Int(ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "") ?? 2
    BLASThreads.set(threads)
    let encoder = try BertEncoder(directory: model)
    var r = SeedBook(seed: 0).stream(.initialization)
    try encoder.addAdapter("default", rank: 4, alpha: 8, dropout: 0, targets: ["query", "value"], random: &r)
    let C = encoder.configuration.hiddenSize
    let classifier = Linear<Float>(inputSize: C, outputSize: 1, trainable: true, random: &r)
    let trainable = encoder.adapterParameters + classifier.namedParameters(prefix: "classifier.")
    // Token ids: [CLS] + 254 ids drawn from the ordinary vocabulary + [SEP], per sample.
    let (B, T) = (8, 256)
    let batch = (0..<B).map { _ in [101] + (0..<(T - 2)).map { _ in 1000 + Int(r.uniformDouble() * 28000) } + [102] }
    let labels = Tensor<Float>(shape: [B], scalars: (0..<B).map { Float($0 % 2) })
    var adam = Adam(configuration: AdamConfiguration(learningRate: 1e-3), variables: trainable)
    var dropout = SeedBook(seed: 0).stream(.dropout)

    // firstPositions 1: the last layer computes only the first token, all the classifier reads.
    var firstTokenOnly = false
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
    func measure(fused: Bool, firstToken: Bool = false) -> (train: [Double], forward: [Double]) {
        encoder.fusedAttention = fused
        firstTokenOnly = firstToken
        let train = (0..<11).map { _ in
            milliseconds {
                let tape = Tape<Float>()
                tape.backward(loss(tape))
                adam.step(learningRate: 1e-3, variables: trainable)
                for (_, p) in trainable { p.zeroGrad() }
            }
        }.dropFirst()                                       // the first step warms caches up
        let forward = (0..<11).map { _ in milliseconds { _ = loss(Tape<Float>(recording: false, training: false)) } }.dropFirst()
        return (Array(train), Array(forward))
    }
    // The unfused attention (primitive ops) first, as the profile's reference point; then the
    // fused attention with the whole last layer (what PyTorch computes), then with the last
    // layer on the first token only (the figure compared with PyTorch).
    if ProcessInfo.processInfo.environment["ATFLREC_BENCH_PROFILE"] != nil {
        // For `perf record`: 20 first-token train steps (not with =forward) and forward passes.
        encoder.fusedAttention = true
        firstTokenOnly = true
        if ProcessInfo.processInfo.environment["ATFLREC_BENCH_PROFILE"] != "forward" {
            for _ in 0..<20 { let tape = Tape<Float>(); tape.backward(loss(tape)) }
        }
        for _ in 0..<20 { _ = loss(Tape<Float>(recording: false, training: false)) }
        return
    }
    let unfused = measure(fused: false), full = measure(fused: true), fused = measure(fused: true, firstToken: true)
    for (name, m) in [("unfused attention", unfused), ("fused attention, whole last layer", full),
                      ("fused attention, last layer on the first token", fused)] {
        print(String(format: "encoder swift  MiniLM-L6 LoRA r=4 q/v, batch %d x %d, %d thread(s), %@: train step %.0f ms (min %.0f), forward %.0f ms (min %.0f)",
                     B, T, threads, name, median(m.train), m.train.min()!, median(m.forward), m.forward.min()!))
    }
    let (trainMs, forwardMs) = (median(fused.train), median(fused.forward))
    let cache = root.appendingPathComponent(".cache/bench")
    try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
    let json = #"{"threads": \#(threads), "train_ms": \#(trainMs), "forward_ms": \#(forwardMs)}"#
    try Data(json.utf8).write(to: cache.appendingPathComponent("encoder_swift.json"), options: .atomic)
}
