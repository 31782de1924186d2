import ATFLRecModel
import Autograd
import Foundation
import RecData
import SeededRandom
import TensorCore
import TextModels

/// Everything an ATFLRec configuration needs before training or evaluating: the dataset, the
/// tokenizer and prompt template, the frozen encoder with the layout's LoRA adapters, and the
/// network (freshly initialised from the run's seed). `atflrec train`, `eval` and `predict`
/// all start from it, so the three see the same model and the same prompts.
public final class ATFLRecSetup {
    public let configuration: ExperimentConfiguration
    public let root: URL
    public let dataset: RecDataset
    public let network: ATFLRecNetwork
    public let tokenizer: any TextTokenizer
    public let renderer: PromptRenderer
    /// Folder name and SHA-256 of the frozen weights file (the checkpoint stores these, not a copy).
    public let backboneName: String
    public let backboneSHA256: String

    public static func defaultModelDirectory(root: URL) -> String {
        root.appendingPathComponent(".cache/models/all-minilm-l6-v2").path
    }

    public init(_ c: ExperimentConfiguration, root: URL = URL(fileURLWithPath: ".")) throws {
        configuration = c
        self.root = root
        // Pinned, never OpenBLAS's default (one thread per core): results do not depend on it,
        // speed does, and a spinning second thread on a busy 2-core machine costs system time.
        c.pinNumerics()
        let modelDirectory = c.text.modelPath.isEmpty ? Self.defaultModelDirectory(root: root) : c.text.modelPath
        tokenizer = try loadTokenizer(directory: modelDirectory)
        let encoder = try BertEncoder(directory: modelDirectory)
        backboneName = URL(fileURLWithPath: modelDirectory).lastPathComponent
        backboneSHA256 = try SHA256Hex.ofFile(modelDirectory + "/model.safetensors")
        let seeds = SeedBook(seed: c.seed)
        let layout = LoRALayoutKind(rawValue: c.lora.layout.rawValue)!
        let backbone = try LoRABackbone(encoder: encoder, adapters: layout.adapterNames, rank: c.lora.rank, alpha: c.lora.alpha,
                                        dropout: c.lora.dropout, targets: c.lora.targets, seeds: seeds)
        var initRandom = seeds.stream(.initialization)
        // Frames are strided when the features are loaded (itemFeatures), so the network sees them as is.
        network = ATFLRecNetwork(
            backbone: backbone, layout: layout, representation: c.text.representation == .firstToken ? .firstToken : .maskedMean,
            melBins: c.audio.numMelBins, audioHidden: c.audio.hiddenSize,
            stackingPooling: PoolingKind(rawValue: c.audio.stackingPooling.rawValue)!,
            fusionPooling: PoolingKind(rawValue: c.fusion.pooling.rawValue)!, frameStride: 1, random: &initRandom)
        dataset = try DatasetSplits.dataset(c, root: root)
        renderer = try PromptRenderer(templateFile: root.appendingPathComponent("paper/prompt_template.txt").path)
    }

    /// The run's samples: K-shot train, validation (subsampled to training.validationSamples by
    /// the run's seed, for early stopping), and test; in the sequential protocol, its cases as
    /// samples (SequentialProtocol.samples: validation already cut to that many users), the
    /// prompt and audio sequence reading each case's last data.historyLength positives.
    /// `wholeValidation`: every validation sample (`atflrec eval --split validation`).
    public func splits(wholeValidation: Bool = false) throws -> RecommendationSplits {
        var c = configuration
        if wholeValidation { c.training.validationSamples = 0 }
        if c.isSequential {
            return SequentialProtocol.samples(try SequentialProtocol.splits(c, dataset: dataset), c,
                                              historyLength: c.data.historyLength)
        }
        var splits = DatasetSplits.splits(of: dataset, c)
        if c.training.validationSamples > 0 && c.training.validationSamples < splits.validation.count {
            var stream = SeedBook(seed: c.seed).stream(.sampling, "validation")
            let validation = splits.validation
            splits.validation = stream.sample(c.training.validationSamples, from: validation.count).sorted().map { validation[$0] }
        }
        return splits
    }

    /// A sample as the network consumes it: the instruction prompt (history truncated oldest
    /// first to fit text.maxLength) tokenised, and the audio sequence (liked history, target).
    public func example(_ s: RecommendationSample) -> ATFLRecExample {
        let liked = Set(s.likedHistory)
        let history = s.history.map { (title: dataset.title($0), liked: liked.contains($0)) }
        let fit = renderer.fitted(history: history, target: dataset.title(s.target), maxTokens: configuration.text.maxLength,
                                  count: { self.tokenizer.encode($0, maxLength: Int.max).count })
        return ATFLRecExample(sampleID: s.id, tokens: tokenizer.encode(fit.prompt, maxLength: configuration.text.maxLength),
                              audioItems: s.likedHistory + [s.target], label: Float(s.label))
    }

    /// FBank features [F, M] of every item the examples' audio sequences use (none for layout
    /// (c)), from the dataset's feature cache, every `audio.frameStride`-th frame kept.
    public func itemFeatures(_ examples: [ATFLRecExample]) throws -> [Int: Tensor<Float>] {
        let c = configuration
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

    /// The examples of a run with their features and the trainer writing into `runDirectory`.
    public func data(_ splits: RecommendationSplits) throws -> ATFLRecDataSplits {
        let train = splits.train.map(example), valid = splits.validation.map(example), test = splits.test.map(example)
        let features = try itemFeatures(train + valid + test)
        let bins = configuration.audio.numMelBins
        return ATFLRecDataSplits(train: train, validation: valid, test: test, testUsers: splits.test.map(\.user),
                                 fbank: { features[$0] ?? Tensor(zeros: [1, bins]) })
    }

    public func trainer(runDirectory: URL) -> ATFLRecTrainer {
        ATFLRecTrainer(network: network, configuration: configuration, runDirectory: runDirectory,
                       backboneName: backboneName, backboneSHA256: backboneSHA256)
    }

    /// The sample for `user` and a new `target` at the end of the data: the user's last
    /// data.historyLength interactions (the history of their latest sample followed by that
    /// sample's target), liked where rated > 3. Nil when the dataset has no sample of `user`.
    public func latestSample(user: Int, target: Int) throws -> RecommendationSample? {
        // In the sequential protocol: the user's latest positives, all liked, as its cases read them.
        if configuration.isSequential {
            return SequentialProtocol.latestCase(try SequentialProtocol.splits(configuration, dataset: dataset), user: user, item: target,
                                                 configuration).map {
                SequentialProtocol.sample($0, id: -1, item: target, label: 0, historyLength: configuration.data.historyLength)
            }
        }
        let all = dataset.samples.train + dataset.samples.validation + dataset.samples.test
        guard let last = all.filter({ $0.user == user }).max(by: { ($0.timestamp, $0.id) < ($1.timestamp, $1.id) }) else { return nil }
        let history = Array((last.history + [last.target]).suffix(configuration.data.historyLength))
        let liked = Set(last.likedHistory + (last.label == 1 ? [last.target] : []))
        return RecommendationSample(id: -1, user: user, history: history, likedHistory: history.filter { liked.contains($0) },
                                    target: target, label: 0)
    }

}

/// `atflrec train` for ATFLRec configurations: the setup, then the trainer, which resumes from
/// the run directory's checkpoint when there is one.
public struct ATFLRecModelTrainer: ModelTrainer {
    /// Repository root (for the data and model caches and the prompt template).
    public let root: URL
    /// How many items' FBank features each run's intermediates.h5 carries (nil: all).
    public let intermediatesFBankItems: Int?

    public init(root: URL = URL(fileURLWithPath: "."), intermediatesFBankItems: Int? = nil) {
        self.root = root
        self.intermediatesFBankItems = intermediatesFBankItems
    }

    public func run(_ c: ExperimentConfiguration, in runDirectory: RunDirectory, progress: ProgressLine) throws -> (RunResult, Predictions) {
        try runDirectory.prepare()
        let setup = try ATFLRecSetup(c, root: root)
        let data = try setup.data(setup.splits())
        let trainer = setup.trainer(runDirectory: runDirectory.url)
        trainer.intermediatesPath = runDirectory.url.appendingPathComponent("intermediates.h5").path
        trainer.intermediatesFBankItems = intermediatesFBankItems
        let outcome = try trainer.run(data, progress: progress)
        return (outcome.result, outcome.predictions)
    }
}
