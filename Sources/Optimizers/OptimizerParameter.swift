// The adapter between optimizers and whatever holds trainable values. The autograd `Parameter`
// type adopts it; tests and simple callers use plain arrays through `Adam.step(values:gradients:)`.

/// A named trainable buffer with an accumulated gradient.
public protocol OptimizerParameter: AnyObject {
    /// The parameter's name in checkpoints (the reference library's name, e.g.
    /// "encoder.layer.0.attention.self.query.lora_A.weight").
    var parameterName: String { get }

    /// Calls `body` with the values (mutable, row-major) and the gradient (same count) and returns
    /// true; returns false without calling it when the parameter has no gradient this step.
    func withValuesAndGradient(_ body: (UnsafeMutableBufferPointer<Float>, UnsafeBufferPointer<Float>) -> Void) -> Bool
}
