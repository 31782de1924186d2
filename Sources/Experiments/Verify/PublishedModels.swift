import Baselines
import Foundation

/// The published trained models (issue 25, point 4): `paper/models/<run>/` holds the run's
/// `config.json` and `best.h5` (parameters and buffers), next to its committed results in
/// `paper/runs/<run>/`. Re-scoring one rebuilds the model from those two files, as `atflrec
/// eval --run paper/models/<run>` does, and compares the test predictions with the committed
/// predictions.csv byte for byte.
public enum PublishedModels {
    public static let folder = "paper/models"

    /// The published model folders, by name.
    public static func list(root: URL) -> [URL] {
        let dir = root.appendingPathComponent(folder, isDirectory: true)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.sorted().map { dir.appendingPathComponent($0, isDirectory: true) }
            .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("best.h5").path) }
    }

    /// The test predictions of a trained model folder (config.json and best.h5): ATFLRec through
    /// TrainedRun, a baseline through its settings file and BaselineModelTrainer.predictions.
    public static func testPredictions(model dir: URL, root: URL) throws -> Predictions {
        let c = try ConfigurationLoader.resolve(file: dir.appendingPathComponent(RunDirectory.configurationFile).path)
        if c.model == .atflrec { return try TrainedRun(directory: dir, root: root).evaluate(split: "test").0 }
        if c.model == .mllmMSR { return try TrainedSequentialRun(directory: dir, root: root).evaluate(split: "test").0 }
        let settings = try BaselineSettings.load(root.appendingPathComponent("paper/configs/baselines/\(c.model.rawValue).json"))
        let trainer = BaselineModelTrainer(settings: settings) { try DatasetSplits.load($0, root: root) }
        return try trainer.predictions(c, checkpoint: Checkpoint.read(from: dir.appendingPathComponent("best.h5").path))
    }

    /// Re-scores the published models of `plan`'s runs (the folder holds the full profile's).
    public static func rescore(root: URL, runs: URL, plan: PaperPlan) throws -> [PaperVerification.Rescored] {
        let names = Set(plan.configurations.map(\.runName))
        return try list(root: root).filter { names.contains($0.lastPathComponent) }.map { dir in
            let name = dir.lastPathComponent
            let committed = runs.appendingPathComponent(name).appendingPathComponent("predictions.csv")
            guard let stored = try? Data(contentsOf: committed) else {
                return .init(model: name, identical: false, detail: "\(committed.path) is missing")
            }
            let predictions = try testPredictions(model: dir, root: root)
            let again = Data(predictions.csv().utf8)
            if again == stored { return .init(model: name, identical: true, detail: "") }
            let a = try Predictions.parse(csv: String(decoding: stored, as: UTF8.self), source: committed.path)
            let differing = zip(a.scores, predictions.scores).filter { $0 != $1 }.count
            return .init(model: name, identical: false, detail: "\(committed.path): \(differing) of \(a.scores.count) scores differ when re-scored")
        }
    }
}

extension PublishedModels {
    /// Writes the published form of a trained run into `destination` (`paper/models/<run>/`):
    /// its config.json and its best.h5 without the optimizer's moments and the random stream
    /// states (only what defines the trained model: configuration, backbone identity, parameters,
    /// buffers, curves). The model tensors hash is that of the run's best.h5, checked here against
    /// the committed result.json of the run (`committedResult`), and the run's predictions must be
    /// the committed ones byte for byte, so a model is never published
    /// beside results it did not make. A run directory without predictions.csv (a plan's
    /// checkpoint folder: the plan writes its results into the run store) is re-scored from its
    /// best.h5 instead, as `make verify` re-scores a published model.
    public static func publish(run: URL, committedResult: URL, destination: URL, root: URL) throws -> (sha256: String, bytes: Int) {
        let best = run.appendingPathComponent("best.h5")
        for file in [best, committedResult] where !FileManager.default.fileExists(atPath: file.path) {
            throw ConfigurationError("\(file.path) is missing")
        }
        var checkpoint = try Checkpoint.read(from: best.path)
        let stored = try RunResult.decode(Data(contentsOf: committedResult))
        let tensors = try ModelTensorsHash.ofFile(best.path)
        if let recorded = stored.modelTensorsSHA256, recorded != tensors {
            throw ConfigurationError("\(best.path): model tensors hash \(tensors), the committed \(committedResult.path) records \(recorded)")
        }
        let predictions = committedResult.deletingLastPathComponent().appendingPathComponent("predictions.csv")
        guard let committedPredictions = try? Data(contentsOf: predictions) else { throw ConfigurationError("\(predictions.path) is missing") }
        let runPredictions = run.appendingPathComponent("predictions.csv")
        let made = FileManager.default.fileExists(atPath: runPredictions.path)
            ? try Data(contentsOf: runPredictions) : Data(try testPredictions(model: run, root: root).csv().utf8)
        guard made == committedPredictions else {
            throw ConfigurationError("\(run.path): its test predictions differ from the committed \(predictions.path): not the committed run's model")
        }
        checkpoint.optimizer = []
        checkpoint.randomStates = []
        checkpoint.microBatches = nil
        checkpoint.accumulatedGradients = []
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        let out = destination.appendingPathComponent("best.h5")
        try checkpoint.write(to: out.path)
        // The committed config.json (it names the run's numerics; a run re-trained by an older
        // build may have written one that does not).
        let committedConfiguration = committedResult.deletingLastPathComponent().appendingPathComponent("config.json")
        guard try ConfigurationLoader.resolve(file: committedConfiguration.path) == checkpoint.configuration else {
            throw ConfigurationError("\(best.path): made with another configuration than the committed \(committedConfiguration.path)")
        }
        try AtomicFile.write(Data(contentsOf: committedConfiguration), to: destination.appendingPathComponent("config.json"))
        let written = try ModelTensorsHash.ofFile(out.path)
        guard written == tensors else { throw ConfigurationError("\(out.path): tensors changed while publishing (\(written) vs \(tensors))") }
        return (tensors, try Data(contentsOf: out).count)
    }
}
