// The paper's learning-rate schedule (ATFLRec, training setup): "warm-up over 50 iterations from a
// tiny value to the initial learning rate, then linear decay to 0". As a multiplier of the base
// rate for the optimizer step s (0-based: s optimizer steps have been taken before it), used as
// PyTorch's LambdaLR uses its lambda (the scheduler is stepped after each optimizer step):
//
//   m(s) = f0 + (1 - f0) * s / W          for 0 <= s < W      (warm-up; f0 = startFactor)
//   m(s) = (T - s) / max(1, T - W)        for W <= s < T      (linear decay)
//   m(s) = 0                              for s >= T
//
// with W = warmupSteps, T = totalSteps. The "tiny value" is m(0) = f0, the multiplier of the
// first step: default 1e-3 (HuggingFace's get_linear_schedule_with_warmup, as TALLRec uses, is
// f0 = 0, whose first step does nothing). Steps count optimizer steps, not micro-batches: with
// gradient accumulation over k micro-batches, 50 warm-up iterations are 50 optimizer steps.

/// Linear warm-up from `startFactor` to 1 over `warmupSteps`, then linear decay to 0 at `totalSteps`.
public struct WarmupLinearDecay: Codable, Equatable, Sendable {
    public var warmupSteps: Int
    public var totalSteps: Int
    public var startFactor: Double

    public init(warmupSteps: Int, totalSteps: Int, startFactor: Double = 1e-3) {
        self.warmupSteps = max(warmupSteps, 0)
        self.totalSteps = max(totalSteps, 0)
        self.startFactor = startFactor
    }

    /// The multiplier of the base rate for 0-based optimizer step `s`.
    public func multiplier(step s: Int) -> Double {
        if s < warmupSteps {
            return startFactor + (1 - startFactor) * Double(s) / Double(warmupSteps)
        }
        if s >= totalSteps { return 0 }
        return Double(totalSteps - s) / Double(max(1, totalSteps - warmupSteps))
    }

    /// The rate of optimizer step `s`: `base * multiplier(step: s)`.
    public func learningRate(base: Double, step s: Int) -> Double {
        base * multiplier(step: s)
    }
}
