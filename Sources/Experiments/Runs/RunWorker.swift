import Foundation

/// One launcher task (issue 26): train one run of a plan into the run store, unless it is
/// finished or another worker holds it. Any number of workers may be started on one store,
/// on one machine or many sharing a filesystem: the run's lock (RunLock) lets one train it,
/// the others return at once; a worker that takes over a run whose holder was killed resumes
/// from the checkpoint that holder left (ATFLRecTrainer), so the bytes are those of an
/// uninterrupted run.
public struct RunWorker {
    public enum Outcome: Equatable {
        case alreadyFinished
        case busy(RunLock.Holder?)
        /// Trained and stored; `tookOverFrom` names the killed holder it resumed after.
        case trained(testAUC: Double, wallSeconds: Double, tookOverFrom: RunLock.Holder?)
    }

    public let store: RunStore
    public let checkpointsRoot: URL
    public let trainer: ModelTrainer

    public init(store: RunStore, checkpointsRoot: URL, trainer: ModelTrainer) {
        self.store = store
        self.checkpointsRoot = checkpointsRoot
        self.trainer = trainer
    }

    public func run(_ configuration: ExperimentConfiguration, progress: ProgressLine) throws -> Outcome {
        let name = configuration.runName
        if try store.load(configuration) != nil { return .alreadyFinished }
        let history = store.historyURL(name)
        switch try RunLock.attempt(store.lockURL(name)) {
        case .busy(let holder):
            return .busy(holder)
        case .acquired(let lock, let previous):
            let me = RunLock.Holder.current()
            // Checked again under the lock: another worker may have stored it since the first look.
            if try store.load(configuration) != nil {
                lock.releaseFinished()
                return .alreadyFinished
            }
            if let previous {
                progress.log("\(name): taking over from \(previous), which did not finish (killed or lost); resuming from its checkpoint")
                RunHistory.append(history, "took over from \(previous.host) pid \(previous.pid)", holder: me)
            }
            RunHistory.append(history, "started", holder: me)
            do {
                let run = RunDirectory(root: checkpointsRoot, configuration: configuration)
                try run.prepare()
                let (trained, predictions) = try trainer.run(configuration, in: run, progress: progress)
                let result = try store.saveFinished(configuration, result: trained, predictions: predictions, in: run)
                RunHistory.append(history, "trained", holder: me)
                lock.releaseFinished()
                return .trained(testAUC: result.testAUC, wallSeconds: result.wallSeconds, tookOverFrom: previous)
            } catch {
                RunHistory.append(history, "failed: \(error)", holder: me)
                lock.release()
                throw error
            }
        }
    }
}
