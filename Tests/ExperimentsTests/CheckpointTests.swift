import Foundation
import HDF5Storage
import Optimizers
import Testing
import TestSupport
@testable import Experiments

@Suite("Checkpoint schema v1")
struct CheckpointTests {
    func sample() -> Checkpoint {
        Checkpoint(configuration: ExperimentConfiguration(), backboneName: "all-MiniLM-L6-v2", backboneSHA256: String(repeating: "ab", count: 32),
                   environment: ["swift": "6.3.1", "git_commit": "abc"], step: 12, epoch: 3, bestValidationAUC: 0.625, bestEpoch: 2,
                   // Stored by name; `read` lists them in name order, so the sample is in that order.
                   parameters: [.init(name: "audio_embedding.0.weight", shape: [2, 3], values: [1, 2, 3, 4, 5, 6]),
                                .init(name: "classifier.bias", shape: [1], values: [0.5])],
                   buffers: [.init(name: "audio_embedding.3.running_mean", shape: [2], values: [0.1, 0.2])],
                   optimizer: [AdamMoments(name: "classifier.bias", step: 12, expAvg: [0.01], expAvgSq: [0.001]),
                               AdamMoments(name: "audio_embedding.0.weight", step: 11, expAvg: [1, 1, 1, 1, 1, 1], expAvgSq: [2, 2, 2, 2, 2, 2])],
                   randomStates: [("dropout", UInt64.max), ("shuffle", 42)])
    }

    @Test func roundTripIsExact() throws {
        let dir = try Fixtures.temporaryDirectory()
        let path = dir.appendingPathComponent("checkpoint.h5").path
        try sample().write(to: path)
        #expect(try Checkpoint.read(from: path) == sample())
        #expect(try Checkpoint.read(from: path, expectBackboneSHA256: String(repeating: "ab", count: 32)) == sample())
    }

    @Test func otherSchemaVersionsAndBackbonesAreRefused() throws {
        let dir = try Fixtures.temporaryDirectory()
        let path = dir.appendingPathComponent("checkpoint.h5").path
        try sample().write(to: path)
        do {
            _ = try Checkpoint.read(from: path, expectBackboneSHA256: String(repeating: "cd", count: 32))
            Issue.record("expected a backbone error")
        } catch {
            #expect("\(error)".contains("made with backbone abababababab..., this run uses cdcdcdcdcdcd..."))
        }
        // A file of another schema version.
        let other = dir.appendingPathComponent("v2.h5").path
        let w = try HDF5Writer(path: other)
        try w.setAttribute("schema", .string(Checkpoint.schema))
        try w.setAttribute("schema_version", .int(2))
        try w.createGroup("/parameters")
        try w.commit()
        do {
            _ = try Checkpoint.read(from: other)
            Issue.record("expected a version error")
        } catch {
            #expect("\(error)".contains("checkpoint schema version 2, this build reads version 1"))
        }
        // An HDF5 file that is no checkpoint.
        let plain = dir.appendingPathComponent("plain.h5").path
        let p = try HDF5Writer(path: plain)
        try p.write([Float(1)], shape: [1], to: "/x")
        try p.commit()
        #expect(throws: ConfigurationError.self) { try Checkpoint.read(from: plain) }
    }

    /// The model tensors hash ignores where and when a checkpoint was made (environment with the
    /// git commit, step, curves, optimizer state) and changes with any tensor bit, name, shape or
    /// the configuration. The file's own SHA-256 changes with the commit; that is the point.
    @Test func modelTensorsHashCoversTensorsAndConfigurationOnly() throws {
        let dir = try Fixtures.temporaryDirectory()
        func hashes(_ edit: (inout Checkpoint) -> Void) throws -> (file: String, tensors: String) {
            var c = sample()
            edit(&c)
            let path = dir.appendingPathComponent("c-\(UUID().uuidString).h5").path
            try c.write(to: path)
            return (try SHA256Hex.ofFile(path), try ModelTensorsHash.ofFile(path))
        }
        let base = try hashes { _ in }
        #expect(base.tensors.count == 64 && base.tensors != base.file)
        let otherCommit = try hashes {
            $0.environment["git_commit"] = "def"
            $0.step = 99
            $0.trainLossCurve = [0.7]
            $0.optimizer[0].expAvg = [9]
        }
        #expect(otherCommit.file != base.file, "the file records the commit")
        #expect(otherCommit.tensors == base.tensors)
        let oneULP = try hashes { $0.parameters[0].values[5] = Float(6).nextUp }
        #expect(oneULP.tensors != base.tensors)
        let buffer = try hashes { $0.buffers[0].values[0] = 0.25 }
        #expect(buffer.tensors != base.tensors)
        let reshaped = try hashes { $0.parameters[0].shape = [3, 2] }
        #expect(reshaped.tensors != base.tensors)
        let configuration = try hashes { $0.configuration.seed += 1 }
        #expect(configuration.tensors != base.tensors)
        // An HDF5 file without a configuration hash is refused with its path named.
        let plain = dir.appendingPathComponent("plain.h5").path
        let w = try HDF5Writer(path: plain)
        try w.write([Float(1)], shape: [1], to: "/x")
        try w.commit()
        do {
            _ = try ModelTensorsHash.ofFile(plain)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "\(plain): no 'configuration_hash' attribute; not an atflrec checkpoint")
        }
    }
}
