import Autograd
import TensorCore

// Adam over the autograd library's named variables, e.g. the trainable entries of
// `model.namedParameters(prefix: "")`. The names given here are the checkpoint names of the
// optimizer state; the order of the list is the order of every step and of the saved state.

extension Adam {
    /// An optimizer for `variables` (full names and variables), in this order.
    public init(configuration: AdamConfiguration, variables: [(String, Variable<Float>)]) {
        self.init(configuration: configuration, parameters: variables.map { ($0.0, $0.1.value.scalars.count) })
    }

    /// One optimizer step at `learningRate` over `variables`, which must be the construction
    /// list (same names, same order). A variable without a gradient is skipped, as in PyTorch.
    /// Gradients are left in place; the caller zeroes them before the next accumulation.
    public mutating func step(learningRate: Double, variables: [(String, Variable<Float>)]) {
        precondition(variables.count == moments.count, "Adam.step: \(moments.count) parameters, got \(variables.count)")
        for (i, (name, variable)) in variables.enumerated() {
            precondition(name == moments[i].name, "Adam.step: parameter \(i) is \(name), expected \(moments[i].name)")
            guard let gradient = variable.grad else { continue }
            variable.value.scalars.withUnsafeMutableBufferPointer { values in
                gradient.scalars.withUnsafeBufferPointer { g in
                    update(parameter: i, values: values, gradient: g, learningRate: learningRate)
                }
            }
        }
    }
}
