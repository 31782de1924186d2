import ATFLRecModel
import Autograd
import Dispatch
import Foundation
import Optimizers
import RecData
import SeededRandom
import TensorCore
import TextModels

// `atflrec-bench mllm-msr-step` (manual; issue 28, point 5: estimate the plan before running
// it): one training step and one evaluation of the MLLM-MSR adaptation (RecurrentPreferenceNetwork)
// on MiniLM-L6 with ml100k's sequential protocol and real item texts (title and audio summary),
// at block sizes 2, 5 and 10 and with one block (no recurrence). A step is 8 training cases, each
// scored against its positive and one sampled negative; an evaluation is one user's history
// encoded once and their 20 candidates scored. Prints the medians and what an epoch and a test
// pass cost at the protocol's counts.
let sequentialStepBenchmark = Benchmark(name: "mllm-msr-step", byDefault: false) {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let threads = Int(ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "") ?? 2
    BLASThreads.set(threads)
    MatrixProductSettings.use(.exactFMA, threads: threads)
    let model = root.appendingPathComponent(".cache/models/all-minilm-l6-v2").path
    let tokenizer = try loadTokenizer(directory: model)
    let dataset = try RecDataset.movieLens(root: root)
    let ml = try MovieLens100K.load(directory: root.appendingPathComponent(MovieLens100K.defaultDirectory).path)
    let splits = try SequentialSamples.build(ml.ratings, catalogue: dataset.items)
    let descriptors = try ItemSummaries.load(dataset, root: root, workers: threads)
    let text = { (item: Int) in ItemSummaries.itemText(title: dataset.title(item), descriptors: descriptors[item], phrases: 4) }
    func tokens(_ s: String) -> [Int] { tokenizer.encode(s, maxLength: 512) }
    func ms(_ body: () -> Void) -> Double {
        let start = DispatchTime.now()
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
    }
    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    // Cases spread over users (every 97th), so histories have their usual lengths.
    let cases = stride(from: 0, to: splits.train.count, by: 97).prefix(8).map { splits.train[$0] }
    let tests = Array(splits.test.prefix(8))
    let meanHistory = Double(splits.test.map(\.history.count).reduce(0, +)) / Double(splits.test.count)
    print(String(format: "mllm-msr-step  ml100k sequential protocol: %d users, %d training positions, mean test history %.1f items; "
                 + "MiniLM-L6, %d threads, exact-fma", splits.users, splits.train.count, meanHistory, threads))
    for blockSize in [2, 5, 10, 20] {
        let prompts = try SequentialPrompts(blockSize: blockSize)
        let encoder = try BertEncoder(directory: model)
        let backbone = try LoRABackbone(encoder: encoder, adapters: RecurrentPreferenceNetwork.adapterNames, rank: 4, alpha: 8,
                                        dropout: 0.05, targets: ["query", "value"], seeds: SeedBook(seed: 0))
        var r = SeedBook(seed: 0).stream(.initialization)
        let net = RecurrentPreferenceNetwork(backbone: backbone, representation: .firstToken, gradientBlocks: nil, random: &r)
        var adam = Adam(configuration: AdamConfiguration(learningRate: 1e-3), variables: net.namedParameters)
        func example(_ c: SequentialCase, candidate: Int, label: Float) -> PreferenceExample {
            PreferenceExample(sampleID: 0, blocks: prompts.blocks(c.history).map { tokens(prompts.blockText($0, item: text)) },
                              candidate: tokens(prompts.candidateText(candidate, item: text)), label: label)
        }
        let batch = cases.flatMap { c in
            [example(c, candidate: c.target, label: 1),
             example(c, candidate: SequentialSamples.trainingNegatives(1, for: c, epoch: 0, in: splits, seed: 0)[0], label: 0)]
        }
        var train: [Double] = [], evaluate: [Double] = []
        for round in 0..<4 {
            let t = ms {
                let tape = Tape<Float>()
                tape.backward(net.loss(net.logits(batch, on: tape), labels: batch.map(\.label), on: tape))
                adam.step(learningRate: 1e-3, variables: net.namedParameters)
                for (_, p) in net.namedParameters { p.zeroGrad() }
            }
            let user = tests[round % tests.count]
            let e = ms {
                let tape = Tape<Float>(recording: false, training: false)
                let users = [example(user, candidate: user.target, label: 1)]
                let p = net.preferences(users, on: tape)                                           // [1, C]
                let candidates = ([user.target] + user.negatives).map { tokens(prompts.candidateText($0, item: text)) }
                let repeated = tape.embedding(p, ids: [Int](repeating: 0, count: candidates.count))
                _ = net.logits(candidates: candidates, preferences: repeated, on: tape)
            }
            if round > 0 { train.append(t); evaluate.append(e) }
        }
        let step = median(train), user = median(evaluate)
        let blocks = Double(splits.test.map { prompts.blocks($0.history).count }.reduce(0, +)) / Double(splits.test.count)
        print(String(format: "  block size %2d (%.1f blocks per test history): train step (8 cases x 2 candidates) %.0f ms, "
                     + "one user's evaluation (history + 20 candidates) %.0f ms; an epoch of 1 position per user %.1f min, "
                     + "a test pass %.1f min", blockSize, blocks, step, user,
                     Double(splits.users) / 8 * step / 60_000, Double(splits.users) * user / 60_000))
    }
}
