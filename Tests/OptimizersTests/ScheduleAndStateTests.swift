import Autograd
import Foundation
import HDF5Storage
import Optimizers
import TensorCore
import Testing
import TestSupport

@Suite struct WarmupLinearDecayTests {
    @Test func closedFormValues() {
        let s = WarmupLinearDecay(warmupSteps: 3, totalSteps: 10, startFactor: 1e-3)
        let expected: [Double] = [1e-3, 1e-3 + 0.999 / 3, 1e-3 + 0.999 * 2 / 3, 1, 6.0 / 7, 5.0 / 7, 4.0 / 7,
                                  3.0 / 7, 2.0 / 7, 1.0 / 7, 0, 0]
        expectClose((0..<12).map { s.multiplier(step: $0) }, expected, atol: 1e-15, "multiplier (exact fractions)")
        #expect(s.learningRate(base: 2e-2, step: 3) == 2e-2)
        // The paper's setting: 50 warm-up steps; the first step runs at the tiny start factor.
        let paper = WarmupLinearDecay(warmupSteps: 50, totalSteps: 150)
        #expect(paper.multiplier(step: 0) == 1e-3)
        #expect(paper.multiplier(step: 50) == 1)
        #expect(paper.multiplier(step: 100) == 0.5)
        #expect(paper.multiplier(step: 150) == 0)
        // Degenerate settings stay finite: no warm-up, or total within the warm-up.
        #expect(WarmupLinearDecay(warmupSteps: 0, totalSteps: 4).multiplier(step: 0) == 1)
        #expect(WarmupLinearDecay(warmupSteps: 5, totalSteps: 3).multiplier(step: 5) == 0)
    }
}

/// A stand-in for the autograd parameter type: values and gradient in one object.
final class BufferParameter: OptimizerParameter {
    let parameterName: String
    var values: [Float]
    var gradient: [Float]?
    init(_ name: String, _ values: [Float]) { parameterName = name; self.values = values }
    func withValuesAndGradient(_ body: (UnsafeMutableBufferPointer<Float>, UnsafeBufferPointer<Float>) -> Void) -> Bool {
        guard let g = gradient else { return false }
        values.withUnsafeMutableBufferPointer { v in g.withUnsafeBufferPointer { body(v, $0) } }
        return true
    }
}

@Suite struct AdamStateTests {
    let configuration = AdamConfiguration.adamW(learningRate: 2e-2, weightDecay: 0.1)

    @Test func adapterPathEqualsArrayPath() {
        let reference = runQuadratic(configuration, steps: 5)
        var adam = Adam(configuration: configuration, parameters: [("w", 12), ("b", 4)])
        let w = BufferParameter("w", QuadraticProblem.initialW), b = BufferParameter("b", QuadraticProblem.initialB)
        for _ in 0..<5 {
            let g = QuadraticProblem.gradients(w: w.values, b: b.values)
            w.gradient = g[0]
            b.gradient = g[1]
            adam.step(learningRate: configuration.learningRate, parameters: [w, b])
        }
        #expect(w.values == reference.w[5] && b.values == reference.b[5])
        // A parameter without a gradient is skipped: its step count stays.
        b.gradient = nil
        adam.step(learningRate: configuration.learningRate, parameters: [w, b])
        #expect(adam.state.map(\.step) == [6, 5])
    }

    @Test func autogradVariablesPathEqualsArrayPath() {
        let reference = runQuadratic(configuration, steps: 5)
        let w = Variable(Tensor<Float>(shape: [3, 4], scalars: QuadraticProblem.initialW), requiresGrad: true, name: "weight")
        let b = Variable(Tensor<Float>(shape: [4], scalars: QuadraticProblem.initialB), requiresGrad: true, name: "bias")
        let named = [("layer.w", w), ("layer.b", b)]
        var adam = Adam(configuration: configuration, variables: named)
        #expect(adam.parameterNames == ["layer.w", "layer.b"])
        for _ in 0..<5 {
            let g = QuadraticProblem.gradients(w: w.value.scalars, b: b.value.scalars)
            w.zeroGrad()
            b.zeroGrad()
            w.accumulate(Tensor(shape: [3, 4], scalars: g[0]))
            b.accumulate(Tensor(shape: [4], scalars: g[1]))
            adam.step(learningRate: configuration.learningRate, variables: named)
        }
        #expect(w.value.scalars == reference.w[5] && b.value.scalars == reference.b[5])
        b.zeroGrad()
        adam.step(learningRate: configuration.learningRate, variables: named)
        #expect(adam.state.map(\.step) == [6, 5])
    }

    /// Four steps, state saved to HDF5 by parameter name and restored into a fresh optimizer,
    /// six more: bit-identical to ten uninterrupted steps.
    @Test func stateRoundTripThroughHDF5ResumesExactly() throws {
        let uninterrupted = runQuadratic(configuration, steps: 10)
        let first = runQuadratic(configuration, steps: 4)
        let path = try Fixtures.temporaryDirectory("adam-state").appendingPathComponent("state.h5").path
        let writer = try HDF5Writer(path: path)
        for m in first.adam.state {
            try writer.write(m.expAvg, shape: [m.expAvg.count], to: "optimizer/\(m.name)/exp_avg")
            try writer.write(m.expAvgSq, shape: [m.expAvgSq.count], to: "optimizer/\(m.name)/exp_avg_sq")
            try writer.write([Int64(m.step)], shape: [], to: "optimizer/\(m.name)/step")
        }
        try writer.commit()

        let reader = try HDF5Reader(path: path)
        let saved = try ["w", "b"].map { name in
            AdamMoments(name: name, step: Int(try reader.readScalar(Int64.self, "optimizer/\(name)/step")),
                        expAvg: try reader.read(Float.self, "optimizer/\(name)/exp_avg").values,
                        expAvgSq: try reader.read(Float.self, "optimizer/\(name)/exp_avg_sq").values)
        }
        var resumed = Adam(configuration: configuration, parameters: [("w", 12), ("b", 4)])
        try resumed.restore(saved)
        var values = [first.w[4], first.b[4]]
        for _ in 4..<10 {
            resumed.step(learningRate: configuration.learningRate, values: &values,
                         gradients: QuadraticProblem.gradients(w: values[0], b: values[1]))
        }
        #expect(values[0] == uninterrupted.w[10] && values[1] == uninterrupted.b[10])
        #expect(resumed.state == uninterrupted.adam.state)
    }

    @Test func restoreRejectsMismatchedState() {
        var adam = Adam(configuration: configuration, parameters: [("w", 12), ("b", 4)])
        let wrongOrder = [AdamMoments(name: "b", step: 1, expAvg: [0, 0, 0, 0], expAvgSq: [0, 0, 0, 0]),
                          AdamMoments(name: "w", step: 1, expAvg: .init(repeating: 0, count: 12), expAvgSq: .init(repeating: 0, count: 12))]
        #expect(throws: OptimizerError.self) { try adam.restore(wrongOrder) }
        let wrongSize = [AdamMoments(name: "w", step: 1, expAvg: [0], expAvgSq: [0]),
                         AdamMoments(name: "b", step: 1, expAvg: [0, 0, 0, 0], expAvgSq: [0, 0, 0, 0])]
        #expect(throws: OptimizerError.self) { try adam.restore(wrongSize) }
        #expect(adam.state.allSatisfy { $0.step == 0 })
    }

    @Test func accumulationCountsAndAverages() {
        var acc = GradientAccumulator(microBatchesPerStep: 2, counts: [2])
        #expect(acc.add([[1, 2]]) == nil)
        #expect(acc.add([[3, 6]]) == [[2, 4]])
        #expect(acc.add([[4, 4]]) == nil)
        #expect(acc.add([[0, 0]]) == [[2, 2]])
        var counter = GradientAccumulation(microBatchesPerStep: 4)
        #expect(counter.lossScale == 0.25)
        let due = (0..<8).map { _ in counter.microBatchDone() }
        #expect(due == [false, false, false, true, false, false, false, true])
        _ = counter.microBatchDone()
        counter.discardPending()
        #expect(counter.pending == 0)
    }
}
