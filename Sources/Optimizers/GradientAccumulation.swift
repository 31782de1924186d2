// Gradient accumulation (the paper: batch 8, gradient accumulation every 4 iterations): k
// micro-batches per optimizer step, and the accumulated gradient is the MEAN of the k micro-batch
// gradients, accumulated as the sum of gradient / k, which is what `(loss / k).backward()` builds
// in PyTorch. With autograd, scale each micro-batch loss by `lossScale`; with plain gradient
// buffers, use `GradientAccumulator`.

/// Counts micro-batches and says when an optimizer step is due.
public struct GradientAccumulation: Codable, Equatable, Sendable {
    public let microBatchesPerStep: Int
    /// Micro-batches accumulated since the last optimizer step (saved in checkpoints).
    public private(set) var pending: Int = 0

    public init(microBatchesPerStep: Int) {
        precondition(microBatchesPerStep >= 1, "gradient accumulation needs at least one micro-batch per step")
        self.microBatchesPerStep = microBatchesPerStep
    }

    /// Scale for each micro-batch's loss so that the accumulated gradient is the mean: 1 / k.
    public var lossScale: Float { 1 / Float(microBatchesPerStep) }

    /// Records one finished micro-batch; true when it completes k of them (step, then zero the
    /// gradients).
    public mutating func microBatchDone() -> Bool {
        pending += 1
        if pending == microBatchesPerStep {
            pending = 0
            return true
        }
        return false
    }

    /// Forgets a partial accumulation (e.g. at the end of an epoch, when incomplete groups are
    /// dropped); the caller zeroes its gradients too.
    public mutating func discardPending() { pending = 0 }
}

/// Accumulates plain gradient buffers (one per parameter) over k micro-batches into their mean.
public struct GradientAccumulator: Sendable {
    public private(set) var accumulation: GradientAccumulation
    /// The running sum of gradient / k, per parameter.
    public private(set) var gradients: [[Float]]

    public init(microBatchesPerStep: Int, counts: [Int]) {
        accumulation = GradientAccumulation(microBatchesPerStep: microBatchesPerStep)
        gradients = counts.map { [Float](repeating: 0, count: $0) }
    }

    /// Adds one micro-batch's gradients; returns the averaged gradients when k have been added
    /// (and starts over), nil otherwise.
    public mutating func add(_ microBatch: [[Float]]) -> [[Float]]? {
        precondition(microBatch.count == gradients.count, "GradientAccumulator: \(gradients.count) parameters, got \(microBatch.count)")
        let k = Float(accumulation.microBatchesPerStep)
        for i in gradients.indices {
            precondition(microBatch[i].count == gradients[i].count, "GradientAccumulator: parameter \(i) size mismatch")
            gradients[i].withUnsafeMutableBufferPointer { sum in
                microBatch[i].withUnsafeBufferPointer { g in
                    for j in 0..<g.count { sum[j] += g[j] / k }
                }
            }
        }
        guard accumulation.microBatchDone() else { return nil }
        let mean = gradients
        for i in gradients.indices { gradients[i] = [Float](repeating: 0, count: gradients[i].count) }
        return mean
    }
}
