import ArgumentParser

struct ATFLRec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "atflrec",
        abstract: "ATFLRec replication: audio-text fusion recommender with LoRA.",
        subcommands: [
            InspectCommand.self,
        ])
}

ATFLRec.main()
