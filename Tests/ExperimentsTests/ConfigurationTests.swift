import Foundation
import Testing
import TestSupport
@testable import Experiments

@Suite("Experiment configuration")
struct ConfigurationTests {
    private func writeConfig(_ json: String) throws -> String {
        let dir = try Fixtures.temporaryDirectory()
        let url = dir.appendingPathComponent("c.json")
        try Data(json.utf8).write(to: url)
        return url.path
    }

    private func error(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    @Test func defaultsFollowThePaper() throws {
        let c = try ConfigurationLoader.resolve(file: nil)
        #expect(c == ExperimentConfiguration())
        #expect(c.lora.rank == 4 && c.training.batchSize == 8 && c.training.gradientAccumulation == 4)
        #expect(c.training.warmupSteps == 50 && c.audio.numMelBins == 80 && c.text.maxLength == 512)
    }

    @Test func fileAndOverridesApplyInOrder() throws {
        let path = try writeConfig(#"{"name": "t", "lora": {"layout": "b", "rank": 8}, "training": {"learningRate": 2}}"#)
        let c = try ConfigurationLoader.resolve(file: path, overrides: ["lora.rank=16", "fusion.pooling=sum", "seed=18446744073709551615"])
        #expect(c.name == "t" && c.lora.layout == .b && c.lora.rank == 16)
        #expect(c.fusion.pooling == .sum && c.training.learningRate == 2.0)
        #expect(c.seed == UInt64.max)
        #expect(c.audio == ExperimentConfiguration.AudioSection())
    }

    @Test func unknownKeysAreErrors() throws {
        let path = try writeConfig(#"{"training": {"epochz": 3}}"#)
        #expect(error { _ = try ConfigurationLoader.resolve(file: path) }?.contains("unknown key 'training.epochz'") == true)
        #expect(error { _ = try ConfigurationLoader.resolve(file: nil, overrides: ["lora.rnk=3"]) }?.contains("unknown key 'lora.rnk'") == true)
    }

    @Test func wrongTypesAreErrors() throws {
        let path = try writeConfig(#"{"training": {"epochs": "many"}}"#)
        let e1 = error { _ = try ConfigurationLoader.resolve(file: path) }
        #expect(e1?.contains("key 'training.epochs' must be an integer, found a string") == true)
        let e2 = error { _ = try ConfigurationLoader.resolve(file: nil, overrides: ["training.epochs=2.5"]) }
        #expect(e2?.contains("'training.epochs' takes an integer") == true)
        let e3 = error { _ = try ConfigurationLoader.resolve(file: nil, overrides: ["lora.layout=d"]) }
        #expect(e3?.contains("lora.layout") == true)
        let e4 = error { _ = try ConfigurationLoader.resolve(file: nil, overrides: ["lora.dropout=1.5"]) }
        #expect(e4?.contains("'lora.dropout' must be in [0, 1)") == true)
        let bad = try writeConfig("{not json")
        #expect(error { _ = try ConfigurationLoader.resolve(file: bad) }?.contains("not valid JSON") == true)
        #expect(error { _ = try ConfigurationLoader.resolve(file: "/nonexistent/x.json") }?.contains("cannot be read") == true)
    }

    @Test func hashIsCanonicalAndSensitive() throws {
        let a = ExperimentConfiguration()
        var b = ExperimentConfiguration()
        #expect(a.hash() == b.hash())
        #expect(a.hash().count == 64)
        b.training.epochs += 1
        #expect(a.hash() != b.hash())
        // Key order in the file does not matter.
        let p1 = try writeConfig(#"{"name": "x", "seed": 3}"#)
        let p2 = try writeConfig(#"{"seed": 3, "name": "x"}"#)
        #expect(try ConfigurationLoader.resolve(file: p1).hash() == ConfigurationLoader.resolve(file: p2).hash())
        #expect(try ConfigurationLoader.resolve(file: p1).runName.hasPrefix("x-"))
    }

    @Test func runDirectoryRefusesAnotherConfiguration() throws {
        let root = try Fixtures.temporaryDirectory()
        let c = ExperimentConfiguration()
        let run = RunDirectory(root: root, configuration: c)
        try run.prepare()
        try run.prepare()  // same configuration: fine
        // Tamper with the stored configuration: the directory no longer matches its name.
        var other = c
        other.training.epochs = 1
        try Data(other.prettyJSON().utf8).write(to: run.url.appendingPathComponent(RunDirectory.configurationFile))
        #expect(error { try run.prepare() }?.contains("holds a different configuration") == true)
    }

    @Test func runDirectoryThatCannotBeCreatedIsAOneLineError() throws {
        let root = try Fixtures.temporaryDirectory()
        // A regular file where the checkpoints folder should be: nothing can be created below it
        // (a permission test would not fail for root, which CI runs as).
        let blocker = root.appendingPathComponent("checkpoints")
        try Data("not a directory".utf8).write(to: blocker)
        let run = RunDirectory(root: blocker, configuration: ExperimentConfiguration())
        let message = error { try run.prepare() }
        #expect(message?.contains("cannot be created") == true)
        #expect(message?.contains("\n") == false)
        #expect(try String(contentsOf: blocker, encoding: .utf8) == "not a directory")
    }
}
