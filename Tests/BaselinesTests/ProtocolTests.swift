import Foundation
import SeededRandom
import Testing
import TestSupport

@testable import Baselines

// The stated rules of the scoring protocol: unknown items, graph edges, no leakage, and the
// gradients of every model against central finite differences of its own loss.

@Test func unknownItemsShareIndexZeroAndNeverCrash() throws {
    let train = [RawInteractionSample(user: 7, history: [30, 10], target: 20, label: 1),
                 RawInteractionSample(user: 5, history: [20], target: 40, label: 0)]
    let vocabulary = BaselineVocabulary(training: train)
    #expect(vocabulary.items == [10, 20, 30, 40])
    #expect(vocabulary.users == [5, 7])
    #expect(vocabulary.item(30) == 3)
    #expect(vocabulary.item(99) == BaselineVocabulary.unknownItem)
    // A test sample of an unseen user with unseen items: every item maps to 0, the user to nil.
    let unseen = vocabulary.encode(RawInteractionSample(user: 9, history: [98, 10, 97], target: 96, label: 1))
    #expect(unseen == BaselineSample(user: nil, history: [0, 1, 0], target: 0, label: 1))
    let encodedTrain = vocabulary.encode(train)
    let graph = InteractionGraph(training: encodedTrain, userCount: vocabulary.userCount, itemCount: vocabulary.itemCount)
    var random = SeedBook(seed: 1).stream(.initialization)
    let models: [any SequenceScorer] = [
        GRU4Rec(config: GRU4RecConfig(embeddingSize: 4, hiddenSize: 3), itemCount: vocabulary.itemCount, random: &random),
        SASRec(config: SASRecConfig(hiddenSize: 4, heads: 2, layers: 1, innerSize: 6, maxSequenceLength: 2),
               itemCount: vocabulary.itemCount, random: &random),
        LightGCN(config: LightGCNConfig(embeddingSize: 4, layers: 2), graph: graph, random: &random),
        GraphSAGE(config: GraphSAGEConfig(embeddingSize: 4, hiddenSize: 3, layers: 2), graph: graph, random: &random),
    ]
    let empty = BaselineSample(user: nil, history: [], target: 1, label: 0)
    for model in models {
        // History of 3 items with maxSequenceLength 2 also exercises SASRec's truncation.
        let z = model.logits([unseen, empty])
        #expect(z[0].isFinite, "\(model.name): unknown items must give a finite logit")
        #expect(z[1] == 0, "\(model.name): an empty history scores 0 (probability 0.5)")
    }
    // MF reads no history: an unseen user is the unknown-user row 0, whatever its history.
    let mf = MF(config: MFConfig(embeddingSize: 4), userCount: vocabulary.userCount, itemCount: vocabulary.itemCount, random: &random)
    let u0 = Array(mf.userEmbedding.value.scalars[0..<4]), v = Array(mf.itemEmbedding.value.scalars[4..<8])
    let expected = zip(u0, v).reduce(Float(0)) { $0 + $1.0 * $1.1 }
    let z = mf.logits([BaselineSample(user: nil, history: [], target: 1, label: 0), BaselineSample(user: nil, history: [3, 2], target: 1, label: 0)])
    expectClose(z, [Double(expected), Double(expected)], atol: 1e-6, rtol: 1e-6, "MF: <unknown user, item 1> (float32 sums)")
}

@Test func graphEdgesFollowTheStatedRuleAndIgnoreHeldOutSamples() {
    let train = [BaselineSample(user: 0, history: [1, 2], target: 3, label: 1),   // edges 0-1, 0-2, 0-3
                 BaselineSample(user: 1, history: [2, 0], target: 4, label: 0),   // 1-2; unknown 0 and negative target 4: none
                 BaselineSample(user: 1, history: [2], target: 1, label: 1)]      // 1-2 again (deduplicated), 1-1
    let graph = InteractionGraph(training: train, userCount: 2, itemCount: 5)
    #expect(graph.edges.map { [$0.user, $0.item] } == [[0, 1], [0, 2], [0, 3], [1, 1], [1, 2]])
    #expect(graph.neighbours[graph.itemNode(4)].isEmpty, "a negative target adds no edge")
    #expect(graph.neighbours[graph.itemNode(0)].isEmpty, "the unknown item has no edge")
    #expect(graph.neighbours[graph.itemNode(2)] == [0, 1])
    // The graph is a function of the training samples alone: the models take only it, so the
    // labels of test samples cannot reach them. Building with extra unlabeled-user samples (as
    // encoded test samples are) must not change it either.
    let withHeldOut = InteractionGraph(training: train + [BaselineSample(user: nil, history: [4], target: 3, label: 1)],
                                       userCount: 2, itemCount: 5)
    #expect(withHeldOut == graph)
}

/// Central differences of the mean BCE loss in Float with step 1e-2 on a handful of entries of
/// every parameter; Float rounding and curvature limit the agreement to about 1e-3 relative.
/// (Each op's own backward is checked in Double in Tests/AutogradTests; this checks the models'
/// wiring of them, including the masks for ended and empty histories.)
private func checkFiniteDifferences(_ model: any SequenceScorer, _ batch: [BaselineSample]) {
    let (_, _, gradients) = model.lossAndGradients(batch)
    let h: Float = 1e-2
    for ((name, variable), gradient) in zip(model.namedParameters, gradients) {
        let count = gradient.values.count
        for i in Set([0, count / 3, count / 2, count - 1]).sorted() {
            let original = variable.value.scalars[i]
            variable.value.scalars[i] = original + h
            let lp = Double(model.lossAndGradients(batch).loss)
            variable.value.scalars[i] = original - h
            let lm = Double(model.lossAndGradients(batch).loss)
            variable.value.scalars[i] = original
            let numeric = (lp - lm) / Double(2 * h)
            expectClose([gradient.values[i]], [numeric], atol: 2e-3, rtol: 2e-2,
                        "\(model.name) d loss / d \(name)[\(i)] vs central difference (float32, h=1e-2)")
        }
    }
}

@Test func gradientsMatchFiniteDifferences() {
    // Histories of different lengths (the shorter ones end before the batch's last step) and
    // one empty history (scored 0).
    let batch = [BaselineSample(user: 0, history: [1, 2, 3], target: 4, label: 1),
                 BaselineSample(user: 1, history: [4, 5], target: 2, label: 0),
                 BaselineSample(user: 2, history: [5, 1, 3, 2], target: 5, label: 1),
                 BaselineSample(user: 1, history: [], target: 3, label: 1)]
    let graph = InteractionGraph(training: batch, userCount: 3, itemCount: 6)
    var random = SeedBook(seed: 11).stream(.initialization)
    checkFiniteDifferences(GRU4Rec(config: GRU4RecConfig(embeddingSize: 4, hiddenSize: 3), itemCount: 6, random: &random), batch)
    checkFiniteDifferences(SASRec(config: SASRecConfig(hiddenSize: 4, heads: 2, layers: 2, innerSize: 6, maxSequenceLength: 4,
                                                      initializerRange: 0.5), itemCount: 6, random: &random), batch)
    checkFiniteDifferences(LightGCN(config: LightGCNConfig(embeddingSize: 4, layers: 2), graph: graph, random: &random), batch)
    checkFiniteDifferences(GraphSAGE(config: GraphSAGEConfig(embeddingSize: 4, hiddenSize: 3, layers: 2), graph: graph,
                                     random: &random), batch)
    checkFiniteDifferences(MF(config: MFConfig(embeddingSize: 4), userCount: 3, itemCount: 6, random: &random),
                           batch + [BaselineSample(user: nil, history: [2], target: 1, label: 0)])
}

@Test func committedSettingsFilesLoadAndBadOnesFailWithOneLine() throws {
    for kind in BaselineKind.allCases {
        let url = Fixtures.repositoryRoot.appendingPathComponent("paper/configs/baselines/\(kind.rawValue).json")
        let settings = try BaselineSettings.load(url)
        #expect(settings.model == kind)
        #expect(settings.training.learningRate == 1e-3, "REFERENCE section 6: Adam lr 1e-3")
    }
    let sasrec = try BaselineSettings.load(Fixtures.repositoryRoot.appendingPathComponent("paper/configs/baselines/sasrec.json"))
    #expect(sasrec.sasrec == SASRecConfig(), "the file restates RecBole's defaults, which are the type's defaults")
    func failure(_ json: String) -> String {
        do { _ = try BaselineSettings.decode(Data(json.utf8), source: "x.json"); return "no error" } catch { return "\(error)" }
    }
    let training = #""training": {"epochs": 1, "batchSize": 2, "learningRate": 0.1, "weightDecay": 0, "patience": 1}"#
    #expect(failure(#"{"model": "gru4rec", "gru4rec": {"embeddingSize": 4, "hiddenSize": 4}, "bogus": 1, \#(training)}"#)
            == "x.json: unknown key 'bogus'")
    #expect(failure(#"{"model": "gru4rec", "gru4rec": {"embeddingSize": 4, "hiddenSize": 4, "dropout": 0.3}, \#(training)}"#)
            == "x.json: unknown key 'gru4rec.dropout'")
    #expect(failure(#"{"model": "gru4rec", "gru4rec": {"embeddingSize": "big", "hiddenSize": 4}, \#(training)}"#)
            == "x.json: wrong type at 'gru4rec.embeddingSize'")
    #expect(failure(#"{"model": "gru4rec", "sasrec": {}, \#(training)}"#).hasPrefix("x.json: "))
}
