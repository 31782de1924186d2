import Foundation
import TensorCore

/// The committed results of finished runs, `paper/runs/<run>/{config.json,result.json,predictions.csv}`.
/// A run whose three files exist and whose stored configuration hashes to its directory name is
/// finished and is never re-run; anything else is treated as missing.
/// Baseline runs also depend on settings outside the configuration (paper/configs/baselines);
/// `expectedSettingsSHA256` gives, per configuration, the hash those settings have now, and a
/// stored run made with other settings is an error rather than a silent stale result.
public struct RunStore: Sendable {
    public let root: URL
    public let expectedSettingsSHA256: @Sendable (ExperimentConfiguration) -> String?

    public init(root: URL, expectedSettingsSHA256: @escaping @Sendable (ExperimentConfiguration) -> String? = { _ in nil }) {
        self.root = root
        self.expectedSettingsSHA256 = expectedSettingsSHA256
    }

    func directory(_ run: String) -> URL { root.appendingPathComponent(run, isDirectory: true) }

    /// Workers' locks and histories (RunLock, RunHistory): beside the runs, so that every worker
    /// of a store shares them on whatever filesystem the store is; not committed (.gitignore).
    public static let locksFolder = ".locks"
    public func lockURL(_ run: String) -> URL { root.appendingPathComponent("\(Self.locksFolder)/\(run).lock") }
    /// Held while the store's outputs are rendered (RunLock.wait).
    public var renderLockURL: URL { root.appendingPathComponent("\(Self.locksFolder)/render.lock") }
    public func historyURL(_ run: String) -> URL { root.appendingPathComponent("\(Self.locksFolder)/\(run).history") }

    /// The finished result of `configuration`, or nil when the run is missing or incomplete.
    public func load(_ configuration: ExperimentConfiguration) throws -> (RunResult, Predictions)? {
        let dir = directory(configuration.runName)
        let fm = FileManager.default
        let files = ["config.json", "result.json", "predictions.csv"].map { dir.appendingPathComponent($0) }
        guard files.allSatisfy({ fm.fileExists(atPath: $0.path) }) else { return nil }
        let stored = try JSONDecoder().decode(ExperimentConfiguration.self, from: Data(contentsOf: files[0]))
        guard stored == configuration else {
            throw ConfigurationError("\(files[0].path): configuration does not match run \(configuration.runName)")
        }
        let result: RunResult
        do {
            result = try RunResult.decode(Data(contentsOf: files[1]))
        } catch {
            throw ConfigurationError("\(files[1].path): unreadable result (\(error))")
        }
        guard result.formatVersion == RunResult.formatVersion else {
            throw ConfigurationError("\(files[1].path): result format \(result.formatVersion), expected \(RunResult.formatVersion)")
        }
        if let expected = expectedSettingsSHA256(configuration), result.trainerSettingsSHA256 != expected {
            throw ConfigurationError("\(files[1].path): trained with \(configuration.model.rawValue) settings sha256 "
                + "\(result.trainerSettingsSHA256 ?? "(not recorded)"), the settings file now gives \(expected); "
                + "delete \(dir.path) to re-run it with the new settings")
        }
        let predictions = try Predictions.parse(csv: String(decoding: Data(contentsOf: files[2]), as: UTF8.self), source: files[2].path)
        return (result, predictions)
    }

    /// Stores a run that has just finished in `run`, stamped with what the trainer does not know:
    /// the SHA-256 of the best checkpoint it left (the paper manifest lists it; a run without one
    /// is an error and is not stored), the hash of that checkpoint's tensors (ModelTensorsHash)
    /// the OpenBLAS kernels it ran on and
    /// the rest of its numerical environment. `atflrec train` and
    /// `make paper` both store through here, so a run records the same fields either way.
    @discardableResult
    public func saveFinished(_ configuration: ExperimentConfiguration, result: RunResult, predictions: Predictions,
                             in run: RunDirectory) throws -> RunResult {
        var stamped = result
        stamped.checkpointSHA256 = try run.bestCheckpointSHA256()
        stamped.modelTensorsSHA256 = try ModelTensorsHash.ofFile(run.bestCheckpoint.path)
        stamped.blasCore = BLASCore.current
        stamped.numerics = NumericalEnvironment.current(threads: configuration.threads)
        stamped.testUAUCUsers = try TestEvaluation(predictions).uaucUsers
        try save(configuration, result: stamped, predictions: predictions)
        return stamped
    }

    /// Stores a finished run. Each file lands by a rename (AtomicFile), and `result.json` last:
    /// its rename is the moment the run becomes finished for every reader (`load` needs all three
    /// files), so a crash in between leaves a run that `load` reports as missing, never a
    /// half-written one that counts as done. Two workers never store one run: they hold its
    /// lock (RunWorker).
    public func save(_ configuration: ExperimentConfiguration, result: RunResult, predictions: Predictions) throws {
        let dir = directory(configuration.runName)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = RunResult.nonFiniteEncoding
        try AtomicFile.write(Data((configuration.prettyJSON() + "\n").utf8), to: dir.appendingPathComponent("config.json"))
        try AtomicFile.write(Data(predictions.csv().utf8), to: dir.appendingPathComponent("predictions.csv"))
        try AtomicFile.write(try encoder.encode(result) + Data("\n".utf8), to: dir.appendingPathComponent("result.json"))
    }
}
