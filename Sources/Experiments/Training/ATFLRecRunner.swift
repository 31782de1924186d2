import ATFLRecModel
import Autograd
import Crypto
import Foundation
import RecData
import SeededRandom
import TensorCore
import TextModels

/// Builds an ATFLRec run from a configuration: dataset samples rendered into instruction prompts
/// and tokenised, the MiniLM (or user-supplied) encoder with the layout's LoRA adapters, the
/// network, and the trainer.
public struct ATFLRecModelTrainer: ModelTrainer {
    /// Repository root (for the data and model caches and the prompt template).
    public let root: URL

    public init(root: URL = URL(fileURLWithPath: ".")) {
        self.root = root
    }

    public var defaultModelDirectory: String { root.appendingPathComponent(".cache/models/all-minilm-l6-v2").path }

    public func run(_ c: ExperimentConfiguration, in runDirectory: RunDirectory, progress: ProgressLine) throws -> (RunResult, Predictions) {
        try runDirectory.prepare()
        let modelDirectory = c.text.modelPath.isEmpty ? defaultModelDirectory : c.text.modelPath
        let tokenizer = try WordPieceTokenizer(vocabularyFile: modelDirectory + "/vocab.txt")
        let encoder = try BertEncoder(directory: modelDirectory)
        let backboneSHA = try Self.sha256(ofFile: modelDirectory + "/model.safetensors")
        let seeds = SeedBook(seed: c.seed)
        let layout = LoRALayoutKind(rawValue: c.lora.layout.rawValue)!
        let backbone = try LoRABackbone(encoder: encoder, adapters: layout.adapterNames, rank: c.lora.rank, alpha: c.lora.alpha,
                                        dropout: c.lora.dropout, targets: c.lora.targets, seeds: seeds)
        var initRandom = seeds.stream(.initialization)
        // Frames are strided when the features are loaded (below), so the network sees them as is.
        let network = ATFLRecNetwork(
            backbone: backbone, layout: layout, representation: c.text.representation == .firstToken ? .firstToken : .maskedMean,
            melBins: c.audio.numMelBins, audioHidden: c.audio.hiddenSize,
            stackingPooling: PoolingKind(rawValue: c.audio.stackingPooling.rawValue)!,
            fusionPooling: PoolingKind(rawValue: c.fusion.pooling.rawValue)!, frameStride: 1, random: &initRandom)

        let dataset = try DatasetSplits.dataset(c, root: root)
        let renderer = try PromptRenderer(templateFile: root.appendingPathComponent("paper/prompt_template.txt").path)
        let splits = DatasetSplits.splits(of: dataset, c)
        var validation = splits.validation
        if c.training.validationSamples > 0 && c.training.validationSamples < validation.count {
            var stream = seeds.stream(.sampling, "validation")
            validation = stream.sample(c.training.validationSamples, from: validation.count).sorted().map { validation[$0] }
        }
        func example(_ s: RecommendationSample) -> ATFLRecExample {
            let liked = Set(s.likedHistory)
            let history = s.history.map { (title: dataset.title($0), liked: liked.contains($0)) }
            let fit = renderer.fitted(history: history, target: dataset.title(s.target), maxTokens: c.text.maxLength,
                                      count: { tokenizer.encode($0, maxLength: Int.max).count })
            return ATFLRecExample(sampleID: s.id, tokens: tokenizer.encode(fit.prompt, maxLength: c.text.maxLength),
                                  audioItems: s.likedHistory + [s.target], label: Float(s.label))
        }
        let train = splits.train.map(example), valid = validation.map(example), test = splits.test.map(example)
        let features = try Self.itemFeatures(c, dataset: dataset, examples: train + valid + test, root: root)
        let data = ATFLRecDataSplits(train: train, validation: valid, test: test, testUsers: splits.test.map(\.user),
                                     fbank: { features[$0] ?? Tensor(zeros: [1, c.audio.numMelBins]) })
        let trainer = ATFLRecTrainer(network: network, configuration: c, runDirectory: runDirectory.url,
                                     backboneName: URL(fileURLWithPath: modelDirectory).lastPathComponent, backboneSHA256: backboneSHA)
        trainer.intermediatesPath = runDirectory.url.appendingPathComponent("intermediates.h5").path
        let outcome = try trainer.run(data, progress: progress)
        return (outcome.result, outcome.predictions)
    }

    /// FBank features [F, M] of every item the examples' audio sequences use (none for layout
    /// (c)), from the dataset's feature cache, every `audio.frameStride`-th frame kept.
    static func itemFeatures(_ c: ExperimentConfiguration, dataset: RecDataset, examples: [ATFLRecExample],
                             root: URL) throws -> [Int: Tensor<Float>] {
        guard c.lora.layout != .c else { return [:] }
        let items = Array(Set(examples.flatMap(\.audioItems))).sorted()
        let options = DatasetFeatures.options(numMelBins: c.audio.numMelBins, frameLengthMs: c.audio.frameLengthMs,
                                              frameShiftMs: c.audio.frameShiftMs, sampleFrequency: c.audio.sampleFrequency,
                                              maxSeconds: c.audio.maxSeconds)
        let path = try DatasetFeatures.prepare(dataset, items: items, options: options,
                                               explicitPath: c.audio.featureCache.isEmpty ? nil : c.audio.featureCache,
                                               root: root, workers: max(1, c.threads))
        return try DatasetFeatures.load(path, items: items, frameStride: c.audio.frameStride)
            .mapValues { Tensor(shape: [$0.numFrames, $0.dimension], scalars: $0.values) }
    }

    static func sha256(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ConfigurationError("\(path): cannot be read") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 22), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
