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
        guard c.lora.layout == .c else {
            throw ConfigurationError("lora.layout '\(c.lora.layout.rawValue)': layouts (a) and (b) need item audio, and the surrogate soundtracks are not in this build yet (layout c runs)")
        }
        guard c.data.dataset == "ml100k" else { throw ConfigurationError("data.dataset '\(c.data.dataset)': ATFLRec runs on ml100k in this build") }
        let modelDirectory = c.text.modelPath.isEmpty ? defaultModelDirectory : c.text.modelPath
        let tokenizer = try WordPieceTokenizer(vocabularyFile: modelDirectory + "/vocab.txt")
        let encoder = try BertEncoder(directory: modelDirectory)
        let weights = try Data(contentsOf: URL(fileURLWithPath: modelDirectory + "/model.safetensors"))
        let backboneSHA = SHA256.hash(data: weights).map { String(format: "%02x", $0) }.joined()
        let seeds = SeedBook(seed: c.seed)
        let layout = LoRALayoutKind(rawValue: c.lora.layout.rawValue)!
        let backbone = try LoRABackbone(encoder: encoder, adapters: layout.adapterNames, rank: c.lora.rank, alpha: c.lora.alpha,
                                        dropout: c.lora.dropout, targets: c.lora.targets, seeds: seeds)
        var initRandom = seeds.stream(.initialization)
        let network = ATFLRecNetwork(
            backbone: backbone, layout: layout, representation: c.text.representation == .firstToken ? .firstToken : .maskedMean,
            melBins: c.audio.numMelBins, audioHidden: c.audio.hiddenSize,
            stackingPooling: PoolingKind(rawValue: c.audio.stackingPooling.rawValue)!,
            fusionPooling: PoolingKind(rawValue: c.fusion.pooling.rawValue)!, frameStride: c.audio.frameStride, random: &initRandom)

        let ml = try MovieLens100K.load(directory: root.appendingPathComponent(MovieLens100K.defaultDirectory).path)
        let titles = Dictionary(uniqueKeysWithValues: ml.movies.map { ($0.item, $0.title) })
        let renderer = try PromptRenderer(templateFile: root.appendingPathComponent("paper/prompt_template.txt").path)
        let splits = try DatasetSplits.load(c, root: root)
        var validation = splits.validation
        if c.training.validationSamples > 0 && c.training.validationSamples < validation.count {
            var stream = seeds.stream(.sampling, "validation")
            validation = stream.sample(c.training.validationSamples, from: validation.count).sorted().map { validation[$0] }
        }
        func example(_ s: RecommendationSample) -> ATFLRecExample {
            let liked = Set(s.likedHistory)
            let history = s.history.map { (title: titles[$0] ?? "item \($0)", liked: liked.contains($0)) }
            let fit = renderer.fitted(history: history, target: titles[s.target] ?? "item \(s.target)", maxTokens: c.text.maxLength,
                                      count: { tokenizer.encode($0, maxLength: Int.max).count })
            return ATFLRecExample(sampleID: s.id, tokens: tokenizer.encode(fit.prompt, maxLength: c.text.maxLength),
                                  audioItems: s.likedHistory + [s.target], label: Float(s.label))
        }
        let data = ATFLRecDataSplits(train: splits.train.map(example), validation: validation.map(example),
                                     test: splits.test.map(example), testUsers: splits.test.map(\.user),
                                     fbank: { _ in Tensor(zeros: [1, c.audio.numMelBins]) })
        let trainer = ATFLRecTrainer(network: network, configuration: c, runDirectory: runDirectory.url,
                                     backboneName: URL(fileURLWithPath: modelDirectory).lastPathComponent, backboneSHA256: backboneSHA)
        trainer.intermediatesPath = runDirectory.url.appendingPathComponent("intermediates.h5").path
        let outcome = try trainer.run(data, progress: progress)
        return (outcome.result, outcome.predictions)
    }
}
