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
            PublishCommand.self,
            SummarizeCommand.self,
            TrainCommand.self,
        ])
}

// One OpenBLAS kernel set on every AVX2 + FMA CPU (BLASCore), so results are the same bytes
// everywhere; ATFLREC_KERNELS=native keeps the CPU's own. First, before any BLAS work.
BLASCore.pinAtStart(program: "atflrec")
// Training reuses large tensor buffers instead of taking fresh pages each batch.
AllocatorPolicy.keepLargeBlocksInHeap()
// OpenBLAS workers sleep soon after a GEMM, so row kernels get the other core (BLASThreads).
BLASThreads.sleepWhenIdle()
ATFLRec.main()
