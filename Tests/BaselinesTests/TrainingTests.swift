import Autograd
import SeededRandom
import Testing
import TestSupport

@testable import Baselines

// Each baseline trains on a tiny synthetic set with collaborative signal (SyntheticData.swift)
// and must beat chance clearly on held-out samples. The threshold 0.7 is far above chance: with
// 400 test samples (about 100 positives) the AUC of a random scorer has a standard deviation of
// about 0.033, so 0.7 is six standard deviations away from 0.5.

private let config = BaselineTrainingConfig(epochs: 60, batchSize: 32, learningRate: 1e-2, patience: 10)

private func trainAndTest(_ model: any SequenceScorer, _ data: SyntheticSplits) throws -> (BaselineTrainingReport, Double) {
    let before = try logitAUC(labels: data.test.map { Int($0.label) }, logits: model.logits(data.test))
    let report = try BaselineTrainer.train(model, training: data.train, validation: data.validation,
                                           config: config, seeds: SeedBook(seed: 3))
    let auc = try logitAUC(labels: data.test.map { Int($0.label) }, logits: model.logits(data.test))
    print("\(model.name): test AUC \(auc) (untrained \(before)), best epoch \(report.bestEpoch), validation AUC \(report.bestValidationAUC), first/last loss \(report.trainingLoss.first ?? 0)/\(report.trainingLoss.last ?? 0)")
    #expect(report.trainingLoss.last! < report.trainingLoss.first!, "\(model.name): training loss must decrease")
    #expect(auc > before, "\(model.name): training must improve on the untrained model")
    return (report, auc)
}

@Test func gru4recLearnsCollaborativeSignal() throws {
    let data = SyntheticSplits()
    var random = SeedBook(seed: 3).stream(.initialization)
    let model = GRU4Rec(config: GRU4RecConfig(embeddingSize: 16, hiddenSize: 16), itemCount: data.vocabulary.itemCount,
                        random: &random)
    let (_, auc) = try trainAndTest(model, data)
    #expect(auc > 0.7)
}

@Test func sasrecLearnsCollaborativeSignal() throws {
    let data = SyntheticSplits()
    var random = SeedBook(seed: 3).stream(.initialization)
    let model = SASRec(config: SASRecConfig(hiddenSize: 16, heads: 2, layers: 2, innerSize: 32, maxSequenceLength: 10),
                       itemCount: data.vocabulary.itemCount, random: &random)
    let (_, auc) = try trainAndTest(model, data)
    #expect(auc > 0.7)
}

@Test func lightgcnLearnsCollaborativeSignal() throws {
    let data = SyntheticSplits()
    let graph = InteractionGraph(training: data.train, userCount: data.vocabulary.userCount,
                                 itemCount: data.vocabulary.itemCount)
    var random = SeedBook(seed: 3).stream(.initialization)
    let model = LightGCN(config: LightGCNConfig(embeddingSize: 16, layers: 2), graph: graph, random: &random)
    let (_, auc) = try trainAndTest(model, data)
    #expect(auc > 0.7)
}

@Test func graphsageLearnsCollaborativeSignal() throws {
    let data = SyntheticSplits()
    let graph = InteractionGraph(training: data.train, userCount: data.vocabulary.userCount,
                                 itemCount: data.vocabulary.itemCount)
    var random = SeedBook(seed: 3).stream(.initialization)
    let model = GraphSAGE(config: GraphSAGEConfig(embeddingSize: 16, hiddenSize: 16, layers: 2), graph: graph,
                          random: &random)
    let (_, auc) = try trainAndTest(model, data)
    #expect(auc > 0.7)
}

/// MF has no history to read: it must learn each (training) user's taste group from the user's
/// own samples. initStd 0.1 instead of CoLLM's N(0, 1) keeps the 16-wide initial logits small
/// for this 60-epoch budget.
@Test func mfLearnsCollaborativeSignal() throws {
    let data = SyntheticSplits()
    var random = SeedBook(seed: 3).stream(.initialization)
    let model = MF(config: MFConfig(embeddingSize: 16, initStd: 0.1), userCount: data.vocabulary.userCount,
                   itemCount: data.vocabulary.itemCount, random: &random)
    let (_, auc) = try trainAndTest(model, data)
    #expect(auc > 0.7)
}

@Test func trainingIsDeterministic() throws {
    let data = SyntheticSplits(train: 100)
    func run() throws -> ([ParameterValues], BaselineTrainingReport) {
        var random = SeedBook(seed: 5).stream(.initialization)
        let model = GRU4Rec(config: GRU4RecConfig(embeddingSize: 8, hiddenSize: 8),
                            itemCount: data.vocabulary.itemCount, random: &random)
        let report = try BaselineTrainer.train(model, training: data.train, validation: data.validation,
                                               config: BaselineTrainingConfig(epochs: 3, batchSize: 16),
                                               seeds: SeedBook(seed: 5))
        return (model.parameterValues(), report)
    }
    let (a, ra) = try run()
    let (b, rb) = try run()
    #expect(a == b, "two runs of one configuration must give identical parameters")
    #expect(ra == rb)
}
