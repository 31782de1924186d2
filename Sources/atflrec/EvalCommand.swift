import ArgumentParser
import Experiments
import Foundation

/// `atflrec eval --run DIR`: re-evaluates a trained ATFLRec run from its best checkpoint and
/// checks the figures against the run's stored result.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Re-evaluate a trained run (ATFLRec or baseline) from its best.h5 (AUC, UAUC, log loss) and compare with its result.json.",
        discussion: """
            The run directory is the one `atflrec train` wrote (checkpoints/<name>-<hash8>/). Its \
            config.json is re-resolved, the model is rebuilt from the frozen backbone (whose hash must \
            match the checkpoint's) and best.h5, and the whole split is scored. For the test split the \
            AUC is compared with result.json; a difference exits with status 1.
            """)

    @Option(name: .customLong("run"), help: "Run directory (holding config.json and best.h5).")
    var runDirectory: String

    @Option(help: "Split to score: test or validation (the whole split, never subsampled).")
    var split = "test"

    @Option(help: "Write the predictions (sample_id,user,label,score) to this CSV file.")
    var output: String?

    func run() throws {
        do {
            let directory = URL(fileURLWithPath: runDirectory)
            let configuration = try ConfigurationLoader.resolve(file: directory.appendingPathComponent(RunDirectory.configurationFile).path)
            let predictions: Predictions
            if configuration.model == .atflrec {
                predictions = try TrainedRun(directory: directory).evaluate(split: split).0
            } else if configuration.model == .mllmMSR {
                predictions = try TrainedSequentialRun(directory: directory).evaluate(split: split).0
            } else {
                // Baselines: the test split (their checkpoints hold the best epoch's parameters).
                guard split == "test" else { throw ValidationError("--split \(split): baseline models are re-scored on the test split only") }
                predictions = try PublishedModels.testPredictions(model: directory, root: URL(fileURLWithPath: "."))
            }
            let evaluation = try TestEvaluation(predictions)
            if let output { try AtomicFile.write(Data(predictions.csv().utf8), to: URL(fileURLWithPath: output)) }
            print(String(format: "%@ %@: %d samples, AUC %.6f, UAUC %.6f, log loss %.6f", configuration.runName, split,
                         predictions.labels.count, evaluation.auc, evaluation.uauc, evaluation.logLoss))
            if configuration.isSequential {
                let q = configuration.sequence
                let r = try SequentialProtocol.ranking(predictions, negatives: q.negatives, k: q.rankingK)
                print(String(format: "%@ %@: HR@%d %.6f, NDCG@%d %.6f over %d users", configuration.runName, split, r.k, r.hitRate, r.k, r.ndcg, r.users))
            }
            let resultFile = URL(fileURLWithPath: runDirectory).appendingPathComponent("result.json")
            if split == "test", let data = try? Data(contentsOf: resultFile) {
                let stored = try RunResult.decode(data)
                let same = stored.testAUC == evaluation.auc
                print(String(format: "stored result.json: test AUC %.6f (%@)", stored.testAUC, same ? "identical" : "DIFFERS"))
                if !same { throw ExitCode(1) }
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("atflrec eval: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
