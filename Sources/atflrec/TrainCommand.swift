import ArgumentParser
import Baselines
import Experiments
import Foundation

/// `atflrec train --config FILE [--set key=value ...]`: resolves the configuration, trains the
/// model it names, and writes the run's results into `checkpoints/<name>-<hash8>/`.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train and evaluate one configuration: ATFLRec (layouts a, b, c) or one of the four baselines.")

    @Option(help: "Experiment file (JSON); keys not given take the defaults of ExperimentConfiguration.")
    var config: String?

    @Option(name: .customLong("set"), help: "Override one key, e.g. --set data.shots=500 (repeatable; type-checked).")
    var overrides: [String] = []

    @Option(help: "Root of the run directories.")
    var checkpoints = "checkpoints"

    @Option(help: "Folder with the baseline settings files <model>.json.")
    var baselineSettings = "paper/configs/baselines"

    func run() throws {
        do {
            let c = try ConfigurationLoader.resolve(file: config, overrides: overrides)
            FileHandle.standardError.write(Data("resolved configuration (sha256 \(c.hash())):\n\(c.prettyJSON())\n".utf8))
            let run = RunDirectory(root: URL(fileURLWithPath: checkpoints), configuration: c)
            try run.prepare()
            let trainer: ModelTrainer
            switch c.model {
            case .atflrec:
                trainer = ATFLRecModelTrainer()
            case .mllmMSR:
                trainer = SequentialModelTrainer()
            default:
                let settings = try BaselineSettings.load(URL(fileURLWithPath: baselineSettings).appendingPathComponent("\(c.model.rawValue).json"))
                trainer = BaselineModelTrainer(settings: settings) { try DatasetSplits.load($0) }
            }
            let progress = ProgressLine(label: c.runName, total: c.training.epochs * max(1, c.data.shots / c.training.batchSize))
            let (trained, predictions) = try trainer.run(c, in: run, progress: progress)
            let store = RunStore(root: URL(fileURLWithPath: checkpoints))
            let result = try store.saveFinished(c, result: trained, predictions: predictions, in: run)
            print(String(format: "%@: test AUC %.4f, UAUC %.4f, log loss %.4f, best validation AUC %.4f, %d epochs, %.1f s",
                         c.runName, result.testAUC, result.testUAUC, result.testLogLoss, result.bestValidationAUC, result.epochsRun, result.wallSeconds))
            if let k = result.rankingK, let hr = result.testHitRate, let ndcg = result.testNDCG {
                print(String(format: "%@: HR@%d %.4f, NDCG@%d %.4f over %d test users", c.runName, k, hr, k, ndcg, predictions.labels.filter { $0 == 1 }.count))
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            // Every error of the project prints as one line naming its file, key or object.
            FileHandle.standardError.write(Data("atflrec train: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
