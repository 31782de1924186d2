// Hyper-parameters of one baseline run, read from paper/configs/baselines/<model>.json, and the
// factory that builds the model they describe. Unknown keys and wrong types are errors (one line
// naming the file and the key); defaults live only in the model configuration types.

import Autograd
import Foundation
import SeededRandom

/// The four baselines of Table II and MF, the CF model of CoLLM and CCF-LLM (issue 27; raw values
/// equal Experiments' ModelKind names).
public enum BaselineKind: String, Codable, CaseIterable, Sendable {
    case gru4rec, sasrec, lightgcn, graphsage, mf
}

public struct BaselineSettings: Codable, Equatable, Sendable {
    public var model: BaselineKind
    /// The architecture section of `model` (the others must be absent).
    public var gru4rec: GRU4RecConfig?
    public var sasrec: SASRecConfig?
    public var lightgcn: LightGCNConfig?
    public var graphsage: GraphSAGEConfig?
    public var mf: MFConfig?
    public var training: BaselineTrainingConfig
    /// Where each value comes from (free text, kept with the run).
    public var notes: [String] = []

    public init(model: BaselineKind, training: BaselineTrainingConfig = BaselineTrainingConfig()) {
        self.model = model
        self.training = training
        switch model {
        case .gru4rec: gru4rec = GRU4RecConfig()
        case .sasrec: sasrec = SASRecConfig()
        case .lightgcn: lightgcn = LightGCNConfig()
        case .graphsage: graphsage = GraphSAGEConfig()
        case .mf: mf = MFConfig()
        }
    }

    /// Reads a settings file, rejecting unknown keys at every level and a missing or extra
    /// architecture section.
    public static func load(_ url: URL) throws -> BaselineSettings {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw BaselineTrainingError(description: "\(url.path): cannot read (\(error.localizedDescription))")
        }
        return try decode(data, source: url.path)
    }

    public static func decode(_ data: Data, source: String) throws -> BaselineSettings {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw BaselineTrainingError(description: "\(source): not a JSON object")
        }
        try checkKeys(object, allowed: allowedKeys, path: source)
        let settings: BaselineSettings
        do { settings = try JSONDecoder().decode(BaselineSettings.self, from: data) } catch let error as DecodingError {
            throw BaselineTrainingError(description: "\(source): \(describe(error))")
        }
        let present = [settings.gru4rec != nil, settings.sasrec != nil, settings.lightgcn != nil, settings.graphsage != nil,
                       settings.mf != nil]
        let wanted = BaselineKind.allCases.map { $0 == settings.model }
        guard present == wanted else {
            throw BaselineTrainingError(description: "\(source): needs exactly the '\(settings.model.rawValue)' architecture section")
        }
        return settings
    }

    // Every key a settings file may hold, per object (sections are checked against their own list).
    private static let allowedKeys: [String: [String]] = [
        "": ["model", "gru4rec", "sasrec", "lightgcn", "graphsage", "mf", "training", "notes"],
        "gru4rec": ["embeddingSize", "hiddenSize"],
        "sasrec": ["hiddenSize", "heads", "layers", "innerSize", "maxSequenceLength", "layerNormEps", "initializerRange"],
        "lightgcn": ["embeddingSize", "layers"],
        "graphsage": ["embeddingSize", "hiddenSize", "layers"],
        "mf": ["embeddingSize", "initStd"],
        "training": ["epochs", "batchSize", "learningRate", "weightDecay", "patience"],
    ]

    private static func checkKeys(_ object: [String: Any], allowed: [String: [String]], path: String) throws {
        for key in object.keys.sorted() {
            guard allowed[""]!.contains(key) else { throw BaselineTrainingError(description: "\(path): unknown key '\(key)'") }
            if let section = object[key] as? [String: Any], let keys = allowed[key] {
                for inner in section.keys.sorted() where !keys.contains(inner) {
                    throw BaselineTrainingError(description: "\(path): unknown key '\(key).\(inner)'")
                }
            }
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String { c.codingPath.map(\.stringValue).joined(separator: ".") }
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return "wrong type at '\(path(c))'"
        case .keyNotFound(let k, let c): return "missing key '\((c.codingPath.map(\.stringValue) + [k.stringValue]).joined(separator: "."))'"
        case .dataCorrupted(let c): return "invalid value at '\(path(c))'"
        @unknown default: return "cannot decode"
        }
    }

    /// The model these settings describe, sized by the training vocabulary (and, for the graph
    /// models, with the graph of the encoded training samples), initialised from `.initialization`.
    public func makeModel(vocabulary: BaselineVocabulary, training: [BaselineSample], seeds: SeedBook) -> any SequenceScorer {
        var random = seeds.stream(.initialization)
        let graph = { InteractionGraph(training: training, userCount: vocabulary.userCount, itemCount: vocabulary.itemCount) }
        switch model {
        case .gru4rec: return GRU4Rec(config: gru4rec ?? GRU4RecConfig(), itemCount: vocabulary.itemCount, random: &random)
        case .sasrec: return SASRec(config: sasrec ?? SASRecConfig(), itemCount: vocabulary.itemCount, random: &random)
        case .lightgcn: return LightGCN(config: lightgcn ?? LightGCNConfig(), graph: graph(), random: &random)
        case .graphsage: return GraphSAGE(config: graphsage ?? GraphSAGEConfig(), graph: graph(), random: &random)
        case .mf: return MF(config: mf ?? MFConfig(), userCount: vocabulary.userCount, itemCount: vocabulary.itemCount, random: &random)
        }
    }
}

/// Everything one baseline run produced.
public struct BaselineRunResult {
    public var model: any SequenceScorer
    public var report: BaselineTrainingReport
    /// Logits of the test samples, in their order (score = sigmoid(logit)).
    public var testLogits: [Float]
    public var testAUC: Double
    public var wallSeconds: Double
}

public enum BaselineRun {
    /// The whole protocol: vocabulary and graph from `training` only, train with early stopping on
    /// `validation`, score `test`. Wall time covers building, training and scoring.
    public static func run(_ settings: BaselineSettings, training: [RawInteractionSample],
                           validation: [RawInteractionSample], test: [RawInteractionSample],
                           seeds: SeedBook) throws -> BaselineRunResult {
        let start = ContinuousClock.now
        let vocabulary = BaselineVocabulary(training: training)
        let train = vocabulary.encode(training)
        let model = settings.makeModel(vocabulary: vocabulary, training: train, seeds: seeds)
        let report = try BaselineTrainer.train(model, training: train, validation: vocabulary.encode(validation),
                                               config: settings.training, seeds: seeds)
        let encodedTest = vocabulary.encode(test)
        let logits = model.logits(encodedTest)
        let labels = encodedTest.map { Int($0.label) }
        let auc = labels.contains(0) && labels.contains(1) ? try logitAUC(labels: labels, logits: logits) : .nan
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return BaselineRunResult(model: model, report: report, testLogits: logits,
                                 testAUC: auc, wallSeconds: seconds)
    }
}

extension BaselineRun {
    /// Test logits of a trained model given its parameters (a published checkpoint): the
    /// vocabulary and graph are rebuilt from `training` as `run` builds them, the model's
    /// initial parameters are replaced by `parameters` by name (every one must be there, with its
    /// shape), and `test` is scored as `run` scores it.
    public static func score(_ settings: BaselineSettings, training: [RawInteractionSample], test: [RawInteractionSample],
                             seeds: SeedBook, parameters: [ParameterValues]) throws -> [Float] {
        let vocabulary = BaselineVocabulary(training: training)
        let model = settings.makeModel(vocabulary: vocabulary, training: vocabulary.encode(training), seeds: seeds)
        try model.load(parameters)
        return model.logits(vocabulary.encode(test))
    }
}
