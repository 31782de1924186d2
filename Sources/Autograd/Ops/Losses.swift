import TensorCore

extension Tape {
    /// Mean binary cross-entropy of `logits` against `targets` (0 or 1, or soft labels), in the
    /// stable form PyTorch's BCEWithLogitsLoss uses: max(x, 0) - x t + log(1 + exp(-|x|)).
    /// Gradient: (sigmoid(x) - t) / n.
    public func bceWithLogits(_ logits: Variable<Scalar>, targets: Tensor<Scalar>) -> Variable<Scalar> {
        precondition(logits.value.count == targets.count, "\(logits.value.count) logits for \(targets.count) targets")
        let n = Scalar(Swift.max(logits.value.count, 1))
        var total: Scalar = 0
        for (x, t) in Swift.zip(logits.value.scalars, targets.scalars) {
            total += Swift.max(x, 0) - x * t + Scalar.log1p(Scalar.exp(-Swift.abs(x)))
        }
        return record(Tensor(scalar: total / n), inputs: [logits]) { g in
            let gv = g.scalar / n
            var gx = logits.value
            for i in 0..<gx.count {
                let x = logits.value.scalars[i]
                gx.scalars[i] = gv * (1 / (1 + Scalar.exp(-x)) - targets.scalars[i])
            }
            logits.accumulate(gx)
        }
    }
}
