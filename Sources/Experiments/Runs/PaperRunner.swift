import Foundation

/// Trains and evaluates one configuration. Implemented per model family (ATFLRec, baselines);
/// a trainer writes its checkpoints under `runDirectory` and returns the run's small results.
public protocol ModelTrainer: Sendable {
    func run(_ configuration: ExperimentConfiguration, in runDirectory: RunDirectory,
             progress: ProgressLine) throws -> (RunResult, Predictions)
}

/// Executes a `PaperPlan`: finished runs are loaded from the store, missing ones trained in plan
/// order and stored at once, so an interrupted `make paper` continues where it stopped.
public struct PaperRunner {
    public let store: RunStore
    public let checkpointsRoot: URL
    public let trainer: (ModelKind) -> ModelTrainer?
    /// Rough seconds per run by model, for the plan's estimate before any run has finished.
    public let estimateSeconds: (ExperimentConfiguration) -> Double

    public init(store: RunStore, checkpointsRoot: URL, trainer: @escaping (ModelKind) -> ModelTrainer?,
                estimateSeconds: @escaping (ExperimentConfiguration) -> Double) {
        self.store = store
        self.checkpointsRoot = checkpointsRoot
        self.trainer = trainer
        self.estimateSeconds = estimateSeconds
    }

    /// Results of every configuration of the plan, by run name.
    public func execute(_ plan: PaperPlan, log: (String) -> Void) throws -> [String: (RunResult, Predictions)] {
        var results: [String: (RunResult, Predictions)] = [:]
        var missing: [ExperimentConfiguration] = []
        for c in plan.configurations {
            if let finished = try store.load(c) { results[c.runName] = finished } else { missing.append(c) }
        }
        for c in missing where trainer(c.model) == nil {
            throw ConfigurationError("no trainer for model '\(c.model.rawValue)' (run \(c.runName))")
        }
        let estimate = missing.map(estimateSeconds).reduce(0, +)
        log("paper plan: \(plan.configurations.count) runs, \(results.count) finished, \(missing.count) to run, estimated \(ProgressLine.duration(estimate))")
        let progress = ProgressLine(label: "paper", total: missing.count)
        for (i, c) in missing.enumerated() {
            progress.update(i, detail: c.runName)
            // Through the run's lock, so a `make paper` and launcher tasks (Slurm, GNU parallel)
            // may work on one store at once without training a run twice.
            let worker = RunWorker(store: store, checkpointsRoot: checkpointsRoot, trainer: trainer(c.model)!)
            switch try worker.run(c, progress: progress) {
            case .busy(let holder):
                progress.log("skipped \(c.runName): another worker trains it (\(holder.map(String.init(describing:)) ?? "holder unknown")); the tables show it once it is stored")
                continue
            case .alreadyFinished:
                progress.log("\(c.runName): stored by another worker meanwhile")
            case .trained(let auc, let seconds, _):
                progress.log("finished \(c.runName): test AUC \(String(format: "%.4f", auc)) in \(ProgressLine.duration(seconds)) (\(i + 1)/\(missing.count))")
            }
            if let stored = try store.load(c) { results[c.runName] = stored }
        }
        progress.finish()
        return results
    }
}
