import Foundation
import Testing
import TestSupport
import Baselines
@testable import Experiments

@Suite("Run store")
struct RunStoreTests {
    func sample(_ c: ExperimentConfiguration) -> (RunResult, Predictions) {
        let r = RunResult(run: c.runName, configurationHash: c.hash(), testAUC: 0.61, testUAUC: 0.6, testLogLoss: 0.69,
                          bestValidationAUC: 0.62, epochsRun: 3, optimizerSteps: 9, wallSeconds: 1.5,
                          trainSamplesPerSecond: 100, trainSampleIDs: [3, 1, 2])
        let p = Predictions(sampleIDs: [10, 11], users: [1, 2], labels: [0, 1], scores: [0.1, 1.0 / 3.0])
        return (r, p)
    }

    @Test func savedRunsLoadExactlyAndMissingOnesAreNil() throws {
        let store = RunStore(root: try Fixtures.temporaryDirectory())
        let c = ExperimentConfiguration()
        #expect(try store.load(c) == nil)
        let (r, p) = sample(c)
        try store.save(c, result: r, predictions: p)
        let loaded = try #require(try store.load(c))
        #expect(loaded.0 == r)
        #expect(loaded.1 == p)  // scores round-trip bit for bit through %.17g
        var other = c
        other.seed = 1
        #expect(try store.load(other) == nil)
    }

    /// UAUC is NaN when no test user has both labels (synthlens' paper preset); the run must
    /// still be stored (UAUC as JSON null) and read back as NaN, not fail to encode.
    @Test func anUndefinedUAUCRoundTripsAsNaN() throws {
        let store = RunStore(root: try Fixtures.temporaryDirectory())
        let c = ExperimentConfiguration()
        var (r, p) = sample(c)
        r.testUAUC = .nan
        try store.save(c, result: r, predictions: p)
        let text = try String(contentsOf: store.root.appendingPathComponent(c.runName).appendingPathComponent("result.json"), encoding: .utf8)
        #expect(text.contains("\"testUAUC\" : null,"), "\(text)")
        let loaded = try #require(try store.load(c))
        #expect(loaded.0.testUAUC.isNaN && loaded.0.testAUC == 0.61)
    }

    @Test func incompleteRunIsMissingAndMalformedPredictionsNameTheLine() throws {
        let root = try Fixtures.temporaryDirectory()
        let store = RunStore(root: root)
        let c = ExperimentConfiguration()
        let (r, p) = sample(c)
        try store.save(c, result: r, predictions: p)
        let dir = root.appendingPathComponent(c.runName)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("result.json"))
        #expect(try store.load(c) == nil)
        try store.save(c, result: r, predictions: p)
        try Data("sample_id,user,label,score\n1,2,3,0.5\n".utf8).write(to: dir.appendingPathComponent("predictions.csv"))
        #expect(throws: ConfigurationError.self) { try store.load(c) }
        do { _ = try store.load(c) } catch { #expect("\(error)".contains("predictions.csv:2: malformed")) }
    }

    /// Baseline settings live outside the configuration; a run trained with other settings than
    /// the file now holds must not be taken as finished.
    @Test func aBaselineRunWithOtherSettingsIsAnErrorNamingTheFile() throws {
        let root = try Fixtures.temporaryDirectory()
        var c = ExperimentConfiguration()
        c.model = .gru4rec
        var (r, p) = sample(c)
        var settings = BaselineSettings(model: .gru4rec)
        r.trainerSettingsSHA256 = settings.identity
        try RunStore(root: root).save(c, result: r, predictions: p)
        let text = try String(contentsOf: root.appendingPathComponent(c.runName).appendingPathComponent("result.json"), encoding: .utf8)
        #expect(text.contains("\"trainerSettingsSHA256\" : \"\(settings.identity)\""))
        let same = settings.identity
        #expect(try RunStore(root: root) { _ in same }.load(c)?.0 == r)
        settings.notes = ["a note changes nothing the run depends on"]
        #expect(settings.identity == same)
        settings.training.learningRate *= 2
        let changed = settings.identity
        #expect(changed != same)
        do {
            _ = try RunStore(root: root) { _ in changed }.load(c)
            Issue.record("a run with other settings loaded")
        } catch {
            #expect("\(error)".contains("\(c.runName)/result.json: trained with gru4rec settings sha256 \(same)"), "\(error)")
            #expect("\(error)".contains("now gives \(changed)"), "\(error)")
        }
        // A run stored before the hash was recorded is not silently taken either.
        r.trainerSettingsSHA256 = nil
        try RunStore(root: root).save(c, result: r, predictions: p)
        #expect(throws: ConfigurationError.self) { try RunStore(root: root) { _ in same }.load(c) }
    }
}
