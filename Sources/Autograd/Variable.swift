import TensorCore

// Reverse-mode automatic differentiation.
//
// Usage:
//     let w = Variable(Tensor<Float>(shape: [C, N], scalars: ...), requiresGrad: true, name: "weight")
//     let tape = Tape<Float>()                 // one tape per forward pass; no global state
//     let y = tape.matmul(tape.constant(x), w)
//     let loss = tape.bceWithLogits(y, targets: t)
//     tape.backward(loss)                      // w.grad now holds d loss / d w (accumulated)
//     w.zeroGrad()
// A frozen parameter is a Variable with requiresGrad false: it never gets a gradient buffer,
// and ops skip the work that would only feed it (e.g. the weight gradient of a frozen Linear).
// `Tape(recording: false)` evaluates without recording anything (no-grad / evaluation mode).
// Every op lives in Ops/ with its forward and backward side by side; each is checked by finite
// differences in Double (Tests/AutogradTests).

/// A tensor that takes part in differentiation: a parameter, a constant input, or an op output.
public final class Variable<Scalar: TensorScalar> {
    public var value: Tensor<Scalar>
    /// d(loss)/d(value), accumulated over backward passes until `zeroGrad`; nil until the first.
    public var grad: Tensor<Scalar>?
    /// Whether gradients flow to this variable (trainable parameters and anything computed from one).
    public let requiresGrad: Bool
    /// The parameter's name in checkpoints (PyTorch's naming), or "" for intermediates.
    public var name: String

    public init(_ value: Tensor<Scalar>, requiresGrad: Bool = false, name: String = "") {
        self.value = value
        self.requiresGrad = requiresGrad
        self.name = name
    }

    public var shape: [Int] { value.shape }

    public func zeroGrad() {
        grad = nil
    }

    /// grad += g (allocating on first use).
    @inlinable
    public func accumulate(_ g: Tensor<Scalar>) {
        precondition(g.shape == value.shape, "gradient shape \(g.shape) for value of shape \(value.shape)")
        if grad == nil { grad = g } else { grad!.addScaled(g) }
    }
}

/// The record of one forward pass, replayed backwards by `backward`.
public final class Tape<Scalar: TensorScalar> {
    public let isRecording: Bool
    /// True in training (dropout active, batch norm uses batch statistics).
    public let isTraining: Bool

    @usableFromInline
    struct Entry {
        @usableFromInline let output: Variable<Scalar>
        @usableFromInline let backward: (Tensor<Scalar>) -> Void
        @usableFromInline init(output: Variable<Scalar>, backward: @escaping (Tensor<Scalar>) -> Void) {
            self.output = output
            self.backward = backward
        }
    }

    @usableFromInline
    var entries: [Entry] = []

    public init(recording: Bool = true, training: Bool? = nil) {
        self.isRecording = recording
        self.isTraining = training ?? recording
    }

    /// A non-differentiable input.
    public func constant(_ value: Tensor<Scalar>) -> Variable<Scalar> {
        Variable(value)
    }

    /// Wraps an op's output; `backward` receives d(loss)/d(output) and must accumulate into the
    /// inputs that require gradients. Nothing is recorded when no input requires a gradient.
    @inlinable
    public func record(_ value: Tensor<Scalar>, inputs: [Variable<Scalar>],
                       backward: @escaping (Tensor<Scalar>) -> Void) -> Variable<Scalar> {
        let needs = isRecording && inputs.contains { $0.requiresGrad }
        let out = Variable(value, requiresGrad: needs)
        if needs { entries.append(Entry(output: out, backward: backward)) }
        return out
    }

    /// Back-propagates from a scalar `loss` (seed 1) through every recorded op, newest first.
    public func backward(_ loss: Variable<Scalar>, seed: Tensor<Scalar>? = nil) {
        precondition(isRecording, "backward on a tape that did not record")
        let s = seed ?? Tensor(repeating: 1, shape: loss.shape)
        if !loss.requiresGrad { return }
        loss.accumulate(s)
        for entry in entries.reversed() {
            guard let g = entry.output.grad else { continue }
            entry.backward(g)
            // Intermediate gradients are not needed once propagated.
            entry.output.grad = nil
        }
        entries.removeAll()
    }
}
