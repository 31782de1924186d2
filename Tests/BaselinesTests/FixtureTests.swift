import Foundation
import SeededRandom
import Testing
import TestSupport

@testable import Baselines

// Every baseline against PyTorch (make_baseline_fixtures.py): logits, mean BCE loss and every
// parameter gradient for a tiny configuration with fixed weights. Tolerances: forward 1e-5
// (float32 here against a float64 reference of the same float32 weights: rounding of a few
// dozen float32 operations), gradients 1e-4 absolute plus 1e-4 relative (back-propagation through
// time / two attention blocks accumulates more float32 rounding).

private func check(_ model: any SequenceScorer, _ fixture: BaselineFixture, _ label: String) throws {
    let (logits, loss, gradients) = model.lossAndGradients(fixture.samples)
    let expectedLogits = try fixture.reader.read(Double.self, "logits").values
    expectClose(logits, expectedLogits, atol: 1e-5, rtol: 1e-5, "\(label) logits (float32 rounding)")
    let expectedLoss = try fixture.double("loss")
    expectClose([loss], [expectedLoss], atol: 1e-5, rtol: 1e-5, "\(label) loss (float32 rounding)")
    // The plain forward path must agree with the training path exactly.
    #expect(model.logits(fixture.samples) == logits, "\(label): logits() differs from the training tape's")
    var worst = 0.0
    for gradient in gradients {
        let expected = try fixture.gradient(gradient.name)
        expectClose(gradient.values, expected, atol: 1e-4, rtol: 1e-4, shape: gradient.shape,
                    "\(label) gradient \(gradient.name) (float32 accumulation)")
        worst = max(worst, maxAbsError(gradient.values, expected))
    }
    print("\(label): max |logit err| \(maxAbsError(logits, expectedLogits)), loss err \(abs(Double(loss) - expectedLoss)), max |grad err| \(worst)")
}

@Test func gru4recMatchesPyTorch() throws {
    let fixture = try BaselineFixture("gru4rec")
    var random = SeedBook(seed: 1).stream(.initialization)
    let model = GRU4Rec(config: GRU4RecConfig(embeddingSize: try fixture.int("embedding_size"),
                                              hiddenSize: try fixture.int("hidden_size")),
                        itemCount: try fixture.int("n_items"), random: &random)
    try fixture.load(into: model)
    try check(model, fixture, "GRU4Rec")
}

@Test func sasrecMatchesPyTorch() throws {
    let fixture = try BaselineFixture("sasrec")
    var random = SeedBook(seed: 1).stream(.initialization)
    let config = SASRecConfig(
        hiddenSize: try fixture.int("hidden_size"), heads: try fixture.int("n_heads"),
        layers: try fixture.int("n_layers"), innerSize: try fixture.int("inner_size"),
        maxSequenceLength: try fixture.int("max_seq_length"),
        layerNormEps: Float(try fixture.double("config_layer_norm_eps")))
    let model = SASRec(config: config, itemCount: try fixture.int("n_items"), random: &random)
    try fixture.load(into: model)
    try check(model, fixture, "SASRec")
}

/// The graph built in Swift from the samples must have exactly the fixture's edges.
private func checkEdges(_ graph: InteractionGraph, _ fixture: BaselineFixture) throws {
    let stored = try fixture.reader.read(Int64.self, "graph/edges").values
    let mine = graph.edges.flatMap { [Int64($0.user), Int64($0.item)] }
    #expect(mine == stored, "edges differ from the fixture's rule")
}

@Test func lightgcnMatchesPyTorch() throws {
    let fixture = try BaselineFixture("lightgcn")
    let graph = InteractionGraph(training: fixture.samples, userCount: try fixture.int("n_users"),
                                 itemCount: try fixture.int("n_items"))
    try checkEdges(graph, fixture)
    var random = SeedBook(seed: 1).stream(.initialization)
    let model = LightGCN(config: LightGCNConfig(embeddingSize: try fixture.int("embedding_size"),
                                                layers: try fixture.int("n_layers")),
                         graph: graph, random: &random)
    let adjacency = try fixture.reader.read(Double.self, "graph/normalized_adjacency").values
    expectClose(model.normalizedAdjacency(), adjacency, atol: 1e-7, rtol: 1e-6, "D^-1/2 A D^-1/2 (float32 rounding)")
    try fixture.load(into: model)
    try check(model, fixture, "LightGCN")
}

@Test func graphsageMatchesPyTorch() throws {
    let fixture = try BaselineFixture("graphsage")
    let graph = InteractionGraph(training: fixture.samples, userCount: try fixture.int("n_users"),
                                 itemCount: try fixture.int("n_items"))
    try checkEdges(graph, fixture)
    var random = SeedBook(seed: 1).stream(.initialization)
    let model = GraphSAGE(config: GraphSAGEConfig(embeddingSize: try fixture.int("embedding_size"),
                                                  hiddenSize: try fixture.int("hidden_size"),
                                                  layers: try fixture.int("n_layers")),
                          graph: graph, random: &random)
    let aggregation = try fixture.reader.read(Double.self, "graph/mean_aggregation").values
    expectClose(model.meanAggregation(), aggregation, atol: 1e-7, rtol: 1e-6, "mean aggregation (float32 rounding)")
    try fixture.load(into: model)
    try check(model, fixture, "GraphSAGE")
}

@Test func mfMatchesPyTorch() throws {
    let fixture = try BaselineFixture("mf")
    var random = SeedBook(seed: 1).stream(.initialization)
    let model = MF(config: MFConfig(embeddingSize: try fixture.int("embedding_size")), userCount: try fixture.int("n_users"),
                   itemCount: try fixture.int("n_items"), random: &random)
    try fixture.load(into: model)
    try check(model, fixture, "MF")
}
