import ArgumentParser
import TensorCore

struct ATFLRec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "atflrec",
        abstract: "ATFLRec replication: audio-text fusion recommender with LoRA.",
        subcommands: [
            DataCommand.self,
            EncodeCommand.self,
            EvalCommand.self,
            FBankCommand.self,
            FBankCacheCommand.self,
            InspectCommand.self,
            PaperCommand.self,
            PredictCommand.self,
            TrainCommand.self,
        ])
}

// A CPU newer than OpenBLAS gets its generic kernels, several times slower: restart once with
// the kernels the CPU supports (BLASCore). First, before any BLAS work.
BLASCore.restartWithSupportedCoreIfNeeded(program: "atflrec")
// Training reuses large tensor buffers instead of taking fresh pages each batch.
AllocatorPolicy.keepLargeBlocksInHeap()
// OpenBLAS workers sleep soon after a GEMM, so row kernels get the other core (BLASThreads).
BLASThreads.sleepWhenIdle()
ATFLRec.main()
