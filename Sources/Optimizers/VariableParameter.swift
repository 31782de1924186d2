import Autograd

// Autograd variables are what the optimizers update: a Float variable adopts the optimizer's
// parameter protocol directly, so a model hands its trainable variables to Adam as they are.
extension Variable: OptimizerParameter where Scalar == Float {
    public var parameterName: String { name }

    public func withValuesAndGradient(_ body: (UnsafeMutableBufferPointer<Float>, UnsafeBufferPointer<Float>) -> Void) -> Bool {
        guard let g = grad else { return false }
        g.scalars.withUnsafeBufferPointer { gp in
            value.scalars.withUnsafeMutableBufferPointer { vp in body(vp, gp) }
        }
        return true
    }
}
