// The texts the sequential models of issue 28 read (MLLM-MSR's prompts, adapted): a history cut
// into blocks of `blockSize` items, each block one text of its items, and the candidate's text.
// Items are written by `item` (ItemSummaries.itemText: the title and its audio summary).
//
// When the history is not a multiple of the block size, the oldest block is the short one, so
// the block read last, nearest the candidate, is always full. A block size at least the
// history's length gives one block: the "without the recurrence" ablation.

public struct SequentialPrompts: Sendable {
    public let blockSize: Int

    public init(blockSize: Int) throws {
        guard blockSize >= 1 else { throw DataError("sequence.blockSize \(blockSize): expected at least 1") }
        self.blockSize = blockSize
    }

    /// The history's items in blocks, oldest first.
    public func blocks(_ history: [Int]) -> [[Int]] {
        var out: [[Int]] = []
        var end = history.count
        while end > 0 {
            out.insert(Array(history[max(0, end - blockSize)..<end]), at: 0)
            end -= blockSize
        }
        return out
    }

    /// One block's text: "The user liked: A; B; C."
    public func blockText(_ block: [Int], item: (Int) -> String) -> String {
        "The user liked: " + block.map(item).joined(separator: "; ") + "."
    }

    /// The candidate's text: "Will the user like: X?"
    public func candidateText(_ candidate: Int, item: (Int) -> String) -> String {
        "Will the user like: \(item(candidate))?"
    }
}
