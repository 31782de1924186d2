import Foundation

// Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015) and AdamW
// (Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019), with the numerics of
// PyTorch 2.13's single-tensor implementation (torch/optim/adam.py, `_single_tensor_adam`), so a
// run matches PyTorch's to float32 rounding (checked by Tests/OptimizersTests against
// Tests/Fixtures/optim/adam.h5). Per element of a parameter p with gradient g, at step t
// (counted per parameter from 1):
//
//   AdamW:  p <- p * (1 - lr * wd)                 (decoupled decay, before the moments)
//   Adam:   g <- g + wd * p                        (L2 decay folded into the gradient)
//   m <- lerp(m, g, 1 - beta1)                      = m + (1 - beta1) * (g - m)
//   v <- beta2 * v + (1 - beta2) * g * g
//   p <- p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//
// The scalars (bias corrections, step size) are computed in Double as Python does, then rounded
// to Float where PyTorch passes them to a float32 kernel. Note eps is added after dividing
// sqrt(v) by the bias correction, not inside the square root.
//
// Parameters are addressed by position in the order given at construction, with a name each, so
// iteration order is fixed (never a dictionary's) and the state can be saved by name.

/// Hyper-parameters of Adam / AdamW; names and defaults follow torch.optim.Adam.
public struct AdamConfiguration: Codable, Equatable, Sendable {
    /// Base learning rate (a schedule scales it per step).
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var weightDecay: Double
    /// false: Adam's L2 decay added to the gradient; true: AdamW's decoupled decay.
    public var decoupledWeightDecay: Bool

    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                weightDecay: Double = 0, decoupledWeightDecay: Bool = false) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
    }

    /// torch.optim.AdamW's defaults (weight decay 0.01, decoupled).
    public static func adamW(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
                             epsilon: Double = 1e-8, weightDecay: Double = 0.01) -> AdamConfiguration {
        AdamConfiguration(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                          weightDecay: weightDecay, decoupledWeightDecay: true)
    }
}

/// The optimizer state of one parameter, named as in PyTorch's `optimizer.state[p]`.
public struct AdamMoments: Equatable, Sendable {
    public var name: String
    /// Steps taken by this parameter (a parameter without a gradient in a step is skipped).
    public var step: Int
    /// First moment m (PyTorch: exp_avg), same element count as the parameter.
    public var expAvg: [Float]
    /// Second moment v (PyTorch: exp_avg_sq).
    public var expAvgSq: [Float]

    public init(name: String, step: Int, expAvg: [Float], expAvgSq: [Float]) {
        self.name = name
        self.step = step
        self.expAvg = expAvg
        self.expAvgSq = expAvgSq
    }
}

/// A state that cannot be restored, one line.
public struct OptimizerError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Adam or AdamW over named Float buffers.
public struct Adam: Sendable {
    public let configuration: AdamConfiguration
    /// Per parameter, in the fixed order of construction.
    public private(set) var moments: [AdamMoments]

    /// `parameters`: name and element count of each parameter, in the order steps will see them.
    /// Names must be unique (programming error otherwise).
    public init(configuration: AdamConfiguration, parameters: [(name: String, count: Int)]) {
        precondition(Set(parameters.map(\.name)).count == parameters.count, "Adam: parameter names must be unique")
        self.configuration = configuration
        self.moments = parameters.map {
            AdamMoments(name: $0.name, step: 0, expAvg: [Float](repeating: 0, count: $0.count),
                        expAvgSq: [Float](repeating: 0, count: $0.count))
        }
    }

    public var parameterNames: [String] { moments.map(\.name) }

    // MARK: - Steps

    /// One optimizer step at `learningRate` (the scheduled rate of this step) over plain arrays:
    /// `values[i]` and `gradients[i]` belong to parameter i; a nil gradient skips the parameter
    /// (its moments and step count stay unchanged, as in PyTorch).
    public mutating func step(learningRate: Double, values: inout [[Float]], gradients: [[Float]?]) {
        precondition(values.count == moments.count && gradients.count == moments.count,
                     "Adam.step: \(moments.count) parameters, got \(values.count) values and \(gradients.count) gradients")
        for i in moments.indices {
            guard let g = gradients[i] else { continue }
            values[i].withUnsafeMutableBufferPointer { p in
                g.withUnsafeBufferPointer { update(parameter: i, values: p, gradient: $0, learningRate: learningRate) }
            }
        }
    }

    /// One optimizer step over parameters that adopt `OptimizerParameter` (their order and names
    /// must equal the construction order).
    public mutating func step(learningRate: Double, parameters: [any OptimizerParameter]) {
        precondition(parameters.count == moments.count, "Adam.step: \(moments.count) parameters, got \(parameters.count)")
        for i in moments.indices {
            precondition(parameters[i].parameterName == moments[i].name,
                         "Adam.step: parameter \(i) is \(parameters[i].parameterName), expected \(moments[i].name)")
            _ = parameters[i].withValuesAndGradient { p, g in
                update(parameter: i, values: p, gradient: g, learningRate: learningRate)
            }
        }
    }

    /// Updates parameter `index` in place: the per-parameter part of a step.
    public mutating func update(parameter index: Int, values: UnsafeMutableBufferPointer<Float>,
                                gradient: UnsafeBufferPointer<Float>, learningRate lr: Double) {
        let c = configuration
        let n = moments[index].expAvg.count
        precondition(values.count == n && gradient.count == n,
                     "Adam: \(moments[index].name) has \(n) elements, got \(values.count) values and \(gradient.count) gradients")
        moments[index].step += 1
        let t = Double(moments[index].step)
        // Scalars as PyTorch computes them in Python (Double), rounded to Float at the kernel.
        let decoupled = c.weightDecay != 0 && c.decoupledWeightDecay
        let l2 = c.weightDecay != 0 && !c.decoupledWeightDecay
        let decayFactor = Float(1 - lr * c.weightDecay)
        let l2Factor = Float(c.weightDecay)
        let lerpWeight = Float(1 - c.beta1)
        let lerpSmall = abs(lerpWeight) < 0.5
        let beta2 = Float(c.beta2)
        let oneMinusBeta2 = Float(1 - c.beta2)
        let biasCorrection1 = 1 - pow(c.beta1, t)
        let biasCorrection2 = 1 - pow(c.beta2, t)
        let negativeStepSize = Float(-(lr / biasCorrection1))
        let biasCorrection2Sqrt = Float(pow(biasCorrection2, 0.5))
        let eps = Float(c.epsilon)
        // Move the moment buffers out (no copy: the array stays uniquely referenced) so both can be
        // written in one loop, and move them back afterwards.
        var expAvg = moments[index].expAvg, expAvgSq = moments[index].expAvgSq
        moments[index].expAvg = []
        moments[index].expAvgSq = []
        defer {
            moments[index].expAvg = expAvg
            moments[index].expAvgSq = expAvgSq
        }
        expAvg.withUnsafeMutableBufferPointer { m in
            expAvgSq.withUnsafeMutableBufferPointer { v in
                for j in 0..<n {
                    var p = values[j]
                    var g = gradient[j]
                    if decoupled { p = p * decayFactor }
                    if l2 { g = g + l2Factor * p }
                    // torch.lerp: the form depends on whether the weight is below one half.
                    m[j] = lerpSmall ? m[j] + lerpWeight * (g - m[j]) : g - (g - m[j]) * (1 - lerpWeight)
                    v[j] = v[j] * beta2 + oneMinusBeta2 * g * g
                    let denominator = v[j].squareRoot() / biasCorrection2Sqrt + eps
                    values[j] = p + negativeStepSize * m[j] / denominator
                }
            }
        }
    }

    // MARK: - State for checkpoints

    /// The state by parameter name, in construction order (for writing to a checkpoint).
    public var state: [AdamMoments] { moments }

    /// Restores a saved state. Names, order and element counts must equal this optimizer's.
    public mutating func restore(_ saved: [AdamMoments]) throws {
        guard saved.map(\.name) == moments.map(\.name) else {
            throw OptimizerError("optimizer state holds parameters \(saved.map(\.name)), expected \(moments.map(\.name))")
        }
        for (s, current) in zip(saved, moments) {
            guard s.expAvg.count == current.expAvg.count, s.expAvgSq.count == current.expAvgSq.count else {
                throw OptimizerError("optimizer state of \(s.name) has \(s.expAvg.count)/\(s.expAvgSq.count) elements, expected \(current.expAvg.count)")
            }
            guard s.step >= 0 else { throw OptimizerError("optimizer state of \(s.name) has negative step \(s.step)") }
        }
        moments = saved
    }
}
