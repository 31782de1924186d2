import ArgumentParser
import Experiments
import Foundation

/// `atflrec predict --run DIR --user U --item I`: the trained model's like-probability for one
/// user and one item.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Score one (user, item) pair with a trained ATFLRec run.",
        discussion: """
            The user's history is their latest data.historyLength interactions in the dataset (the \
            history of their last sample followed by its target; liked = rated above 3), rendered \
            into the instruction prompt with the item as target; the audio sequence is the liked \
            history items and the item. Prints the probability that the user likes the item.
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
            let opened = try TrainedRun(directory: URL(fileURLWithPath: runDirectory))
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
