import Autograd
import SeededRandom
import TensorCore

// Layers with PyTorch's parameter layout, names and initialisation, so checkpoints use the
// reference library's names (`weight`, `bias`, `running_mean`, ...) and a PyTorch module with
// the same structure loads them without a translation table.

/// Something that owns named parameters, listed in a fixed order.
public protocol ParameterOwner {
    associatedtype Scalar: TensorScalar
    /// (name, variable) pairs, names relative to the owner, in declaration order.
    var namedParameters: [(String, Variable<Scalar>)] { get }
}

extension ParameterOwner {
    /// The parameters under a prefix ("encoder.layer.0." + "weight").
    public func namedParameters(prefix: String) -> [(String, Variable<Scalar>)] {
        namedParameters.map { (prefix + $0.0, $0.1) }
    }
}

/// y = x W^T + b, W [out, in] (torch.nn.Linear). Init: W ~ kaiming-uniform(a = sqrt 5), i.e.
/// U(-1/sqrt(in), 1/sqrt(in)), and b ~ U(-1/sqrt(in), 1/sqrt(in)).
public struct Linear<Scalar: TensorScalar>: ParameterOwner {
    public let weight: Variable<Scalar>
    public let bias: Variable<Scalar>?

    public init(inputSize: Int, outputSize: Int, bias: Bool = true, trainable: Bool = true, random: inout RandomStream) {
        let bound = 1 / Double(inputSize).squareRoot()
        let w = (0..<(inputSize * outputSize)).map { _ in Scalar(-bound + 2 * bound * random.uniformDouble()) }
        weight = Variable(Tensor(shape: [outputSize, inputSize], scalars: w), requiresGrad: trainable, name: "weight")
        if bias {
            let b = (0..<outputSize).map { _ in Scalar(-bound + 2 * bound * random.uniformDouble()) }
            self.bias = Variable(Tensor(shape: [outputSize], scalars: b), requiresGrad: trainable, name: "bias")
        } else {
            self.bias = nil
        }
    }

    public init(weight: Variable<Scalar>, bias: Variable<Scalar>?) {
        self.weight = weight
        self.bias = bias
    }

    public func callAsFunction(_ x: Variable<Scalar>, on tape: Tape<Scalar>) -> Variable<Scalar> {
        let y = tape.matmul(x, weight, transposeWeight: true)
        return bias.map { tape.add(y, $0) } ?? y
    }

    public var namedParameters: [(String, Variable<Scalar>)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }
}

/// torch.nn.LayerNorm over the last axis: weight ones, bias zeros.
public struct LayerNorm<Scalar: TensorScalar>: ParameterOwner {
    public let weight: Variable<Scalar>
    public let bias: Variable<Scalar>
    public let eps: Scalar

    public init(size: Int, eps: Scalar = 1e-5, trainable: Bool = true) {
        weight = Variable(Tensor(repeating: 1, shape: [size]), requiresGrad: trainable, name: "weight")
        bias = Variable(Tensor(zeros: [size]), requiresGrad: trainable, name: "bias")
        self.eps = eps
    }

    public init(weight: Variable<Scalar>, bias: Variable<Scalar>, eps: Scalar) {
        self.weight = weight
        self.bias = bias
        self.eps = eps
    }

    public func callAsFunction(_ x: Variable<Scalar>, on tape: Tape<Scalar>) -> Variable<Scalar> {
        tape.layerNorm(x, gamma: weight, beta: bias, eps: eps)
    }

    public var namedParameters: [(String, Variable<Scalar>)] { [("weight", weight), ("bias", bias)] }
}

/// torch.nn.BatchNorm1d on [N, C]: weight ones, bias zeros, running mean 0 and variance 1,
/// momentum 0.1, eps 1e-5. The running statistics are buffers, listed by `namedBuffers`.
public struct BatchNorm1d<Scalar: TensorScalar>: ParameterOwner {
    public let weight: Variable<Scalar>
    public let bias: Variable<Scalar>
    public let statistics: BatchNormStatistics<Scalar>
    public let eps: Scalar

    public init(channels: Int, eps: Scalar = 1e-5, momentum: Scalar = 0.1) {
        weight = Variable(Tensor(repeating: 1, shape: [channels]), requiresGrad: true, name: "weight")
        bias = Variable(Tensor(zeros: [channels]), requiresGrad: true, name: "bias")
        statistics = BatchNormStatistics(channels: channels, momentum: momentum)
        self.eps = eps
    }

    public func callAsFunction(_ x: Variable<Scalar>, on tape: Tape<Scalar>) -> Variable<Scalar> {
        tape.batchNorm(x, gamma: weight, beta: bias, statistics: statistics, eps: eps)
    }

    public var namedParameters: [(String, Variable<Scalar>)] { [("weight", weight), ("bias", bias)] }

    /// running_mean, running_var (PyTorch buffer names); num_batches_tracked is `statistics.batchesTracked`.
    public var namedBuffers: [(String, Tensor<Scalar>)] {
        [("running_mean", statistics.runningMean), ("running_var", statistics.runningVar)]
    }
}

/// torch.nn.Embedding: weight ~ N(0, 1) unless an initialiser is given.
public struct Embedding<Scalar: TensorScalar>: ParameterOwner {
    public let weight: Variable<Scalar>

    public init(count: Int, size: Int, std: Double = 1, trainable: Bool = true, random: inout RandomStream) {
        let w = (0..<(count * size)).map { _ in Scalar(random.normalDouble() * std) }
        weight = Variable(Tensor(shape: [count, size], scalars: w), requiresGrad: trainable, name: "weight")
    }

    public init(weight: Variable<Scalar>) {
        self.weight = weight
    }

    public func callAsFunction(_ ids: [Int], on tape: Tape<Scalar>) -> Variable<Scalar> {
        tape.embedding(weight, ids: ids)
    }

    public var namedParameters: [(String, Variable<Scalar>)] { [("weight", weight)] }
}
