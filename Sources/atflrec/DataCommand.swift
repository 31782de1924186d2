import ArgumentParser
import Foundation
import RecData

/// `atflrec data describe DATASET`: counts of a dataset (users, items, samples per split,
/// positive rate, history lengths, audio seconds) and the hash of its sample tables.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect the datasets (ml100k, synthlens, microlens).",
        subcommands: [Describe.self])

    struct Describe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a dataset's counts, positive rates, history lengths and audio seconds.")

        @Argument(help: "ml100k (needs `make ml100k`), synthlens, or microlens (your files in .cache/data/microlens).")
        var dataset: String

        @Option(help: "Preset of datasets that have several (synthlens: tiny, tiny-appeal, paper, paper-appeal).")
        var preset = "paper"

        @Option(help: "Previous interactions forming the history.")
        var historyLength = 10

        @Option(help: "Repository root (where .cache/data lives).")
        var root = "."

        func run() throws {
            do {
                let d = try RecDataset.load(name: dataset, preset: preset, historyLength: historyLength,
                                            root: URL(fileURLWithPath: root))
                for line in DatasetDescription(d).lines { print(line) }
            } catch let error as DataError {
                FileHandle.standardError.write(Data("atflrec data describe: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
