import ArgumentParser
import Experiments
import Foundation

/// `atflrec publish --run DIR --output paper/models/<run>`: the trained model of a finished run
/// (config.json and best.h5 without optimizer state) as published beside the committed results.
struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Write a run's trained model (parameters and buffers, no optimizer state) for paper/models/.")

    @Option(name: .customLong("run"), help: "Run directory holding config.json and best.h5 (and predictions.csv; without it the model is re-scored).")
    var runDirectory: String

    @Option(help: "Committed results of the run (its result.json is checked against the model); default paper/runs/<run>.")
    var committed: String?

    @Option(help: "Destination folder; default paper/models/<run>.")
    var output: String?

    func run() throws {
        do {
            let run = URL(fileURLWithPath: runDirectory)
            let name = run.standardizedFileURL.lastPathComponent
            let committedDir = URL(fileURLWithPath: committed ?? "paper/runs/\(name)")
            let destination = URL(fileURLWithPath: output ?? "\(PublishedModels.folder)/\(name)")
            let (sha, bytes) = try PublishedModels.publish(run: run, committedResult: committedDir.appendingPathComponent("result.json"),
                                                           destination: destination, root: URL(fileURLWithPath: "."))
            print("\(name): \(destination.path)/best.h5, \(bytes) bytes, model tensors sha256 \(sha)")
        } catch {
            FileHandle.standardError.write(Data("atflrec publish: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
