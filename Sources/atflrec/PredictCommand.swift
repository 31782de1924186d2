import ArgumentParser
import Experiments
import Foundation

/// `atflrec predict --run DIR --user U --item I`: the trained model's like-probability for one
/// user and one item.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Score one (user, item) pair with a trained ATFLRec or mllm-msr run.",
        discussion: """
            Few-shot runs: the user's history is their latest data.historyLength interactions in the \
            dataset (the history of their last sample followed by its target; liked = rated above 3), \
            rendered into the instruction prompt with the item as target; the audio sequence is the \
            liked history items and the item. Sequential runs (data.protocol=sequential, ATFLRec or \
            mllm-msr): the history is the user's latest positives (its test case's history and \
            target, at most sequence.maxHistory; ATFLRec reads the last data.historyLength of them). \
            Prints the probability that the user likes the item.
            """)

    @Option(name: .customLong("run"), help: "Run directory (holding config.json and best.h5).")
    var runDirectory: String

    @Option(help: "User id, as in the dataset.")
    var user: Int

    @Option(help: "Target item id, as in the dataset.")
    var item: Int

    @Flag(help: "Also print the history used (item ids and titles).")
    var showHistory = false

    func run() throws {
        do {
            let directory = URL(fileURLWithPath: runDirectory)
            let configFile = directory.appendingPathComponent(RunDirectory.configurationFile)
            if FileManager.default.fileExists(atPath: configFile.path), try ConfigurationLoader.resolve(file: configFile.path).model == .mllmMSR {
                let opened = try TrainedSequentialRun(directory: directory)
                let (score, x, texts) = try opened.predict(user: user, item: item)
                if showHistory { for h in x.history { print("  liked    \(h)\t\(texts[h] ?? "")") } }
                print(String(format: "user %d, item %d (%@): P(like) = %.6f (%d history items)", user, item, texts[item] ?? "", score, x.history.count))
                return
            }
            let opened = try TrainedRun(directory: directory)
            let (score, sample, tokens) = try opened.predict(user: user, item: item)
            if showHistory {
                let liked = Set(sample.likedHistory)
                for h in sample.history {
                    print("  \(liked.contains(h) ? "liked   " : "disliked") \(h)\t\(opened.setup.dataset.title(h))")
                }
            }
            print(String(format: "user %d, item %d (%@): P(like) = %.6f (prompt %d tokens, %d history items)", user, item,
                         opened.setup.dataset.title(item), score, tokens, sample.history.count))
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("atflrec predict: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
