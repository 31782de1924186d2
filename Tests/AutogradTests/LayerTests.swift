import SeededRandom
import TensorCore
import Testing
import TestSupport
@testable import Autograd
@testable import NeuralLayers

@Suite("Neural layers")
struct LayerTests {
    @Test func linearInitialisationBoundsAndNames() {
        var r = SeedBook(seed: 0).stream(.initialization)
        let l = Linear<Float>(inputSize: 16, outputSize: 8, random: &r)
        #expect(l.weight.shape == [8, 16] && l.bias?.shape == [8])
        #expect(l.weight.value.scalars.allSatisfy { abs($0) <= 0.25 })  // 1/sqrt(16)
        // U(-b, b) has variance b^2/3 = 1/48; 128 draws: the sample variance is within 30%.
        let v = l.weight.value.scalars.map { Double($0 * $0) }.reduce(0, +) / 128
        #expect(abs(v - 1.0 / 48) < 0.3 / 48)
        #expect(l.namedParameters(prefix: "classifier.").map(\.0) == ["classifier.weight", "classifier.bias"])
        // Same seed, same weights.
        var r2 = SeedBook(seed: 0).stream(.initialization)
        #expect(Linear<Float>(inputSize: 16, outputSize: 8, random: &r2).weight.value == l.weight.value)
    }

    @Test func linearGradientsByFiniteDifferences() {
        var r = SeedBook(seed: 5).stream(.initialization)
        let l = Linear<Double>(inputSize: 4, outputSize: 3, random: &r)
        GradientCheck.run("linear", shapes: [[2, 4], [3, 4], [3]]) { t, v in
            Linear(weight: v[1], bias: v[2])(v[0], on: t)
        }
        _ = l
    }

    @Test func frozenLinearSkipsWeightGradient() {
        var r = SeedBook(seed: 5).stream(.initialization)
        let l = Linear<Float>(inputSize: 4, outputSize: 3, trainable: false, random: &r)
        let x = Variable(Tensor<Float>(repeating: 1, shape: [2, 4]), requiresGrad: true)
        let tape = Tape<Float>()
        tape.backward(tape.sum(l(x, on: tape)))
        #expect(l.weight.grad == nil && l.bias?.grad == nil)
        #expect(x.grad != nil)
    }
}
