import Foundation
import HDF5Storage
import Optimizers
import Testing
import TestSupport

// Ten optimizer steps against PyTorch 2.13 (Tests/Fixtures/optim/adam.h5, made by
// make_adam_fixture.py). Swift computes its own gradients from the closed form; parameters must
// match after every step within 1e-6 relative (values stay between 0.37 and 1.7, so relative is
// meaningful; float32 rounding of about 6e-8 per operation accumulates over ten steps, and PyTorch's
// vectorised kernels fuse some multiply-adds that Swift does not).

struct AdamFixture {
    let reader: HDF5Reader
    let group: String

    init(_ group: String) throws {
        let url = Fixtures.url("optim/adam.h5")
        reader = try HDF5Reader(path: url.path)
        self.group = group
        let version = try reader.attribute("format_version")
        guard version == .int(1) else {
            throw OptimizerError("\(url.path): format_version \(version), expected 1; regenerate with make_adam_fixture.py")
        }
    }

    func steps(_ name: String) throws -> [[Float]] {
        let a = try reader.read(Float.self, "\(group)/\(name)")
        let rows = a.shape[0]
        let size = a.values.count / rows
        return (0..<rows).map { Array(a.values[($0 * size)..<(($0 + 1) * size)]) }
    }

    func learningRates() throws -> [Double] { try reader.read(Double.self, "\(group)/lr").values }
}

/// Runs `steps` steps on the quadratic problem, returning the parameters after each step.
func runQuadratic(_ configuration: AdamConfiguration, steps: Int = 10, microBatches: Int = 1,
                  schedule: WarmupLinearDecay? = nil) -> (w: [[Float]], b: [[Float]], lr: [Double], adam: Adam) {
    var adam = Adam(configuration: configuration, parameters: [("w", 12), ("b", 4)])
    var values = [QuadraticProblem.initialW, QuadraticProblem.initialB]
    var accumulator = GradientAccumulator(microBatchesPerStep: microBatches, counts: [12, 4])
    var ws = [values[0]], bs = [values[1]], rates: [Double] = []
    for s in 0..<steps {
        var mean: [[Float]]? = nil
        for micro in 0..<microBatches {
            mean = accumulator.add(QuadraticProblem.gradients(w: values[0], b: values[1], micro: micro))
        }
        let lr = schedule?.learningRate(base: configuration.learningRate, step: s) ?? configuration.learningRate
        rates.append(lr)
        adam.step(learningRate: lr, values: &values, gradients: mean!)
        ws.append(values[0])
        bs.append(values[1])
    }
    return (ws, bs, rates, adam)
}

@Suite struct AdamGoldenTests {
    func check(_ group: String, _ run: (w: [[Float]], b: [[Float]], lr: [Double], adam: Adam)) throws {
        let fixture = try AdamFixture(group)
        let w = try fixture.steps("w"), b = try fixture.steps("b")
        #expect(w.count == 11 && run.w.count == 11)
        for s in 0..<min(w.count, run.w.count) {
            expectClose(run.w[s], w[s], rtol: 1e-6, shape: [3, 4], "\(group) w after step \(s) (float32 rounding)")
            expectClose(run.b[s], b[s], rtol: 1e-6, shape: [4], "\(group) b after step \(s) (float32 rounding)")
        }
        expectClose(run.lr, try fixture.learningRates(), rtol: 1e-15, "\(group) learning rate per step (Double)")
        for (index, name) in ["w", "b"].enumerated() {
            let m = try fixture.reader.read(Float.self, "\(group)/state/\(name)/exp_avg").values
            let v = try fixture.reader.read(Float.self, "\(group)/state/\(name)/exp_avg_sq").values
            let step = try fixture.reader.readScalar(Int64.self, "\(group)/state/\(name)/step")
            let state = run.adam.state[index]
            #expect(state.name == name)
            #expect(Int64(state.step) == step)
            expectClose(state.expAvg, m, atol: 1e-9, rtol: 1e-5, "\(group) \(name) exp_avg (rounding, moments as small as 2e-3)")
            expectClose(state.expAvgSq, v, atol: 1e-12, rtol: 1e-5, "\(group) \(name) exp_avg_sq (rounding)")
        }
    }

    @Test func closedFormGradientEqualsFixture() throws {
        let fixture = try AdamFixture("adam")
        let g = QuadraticProblem.gradients(w: QuadraticProblem.initialW, b: QuadraticProblem.initialB)
        expectClose(g[0], try fixture.steps("grad_w")[0], rtol: 1e-6, "grad_w at the start (float32 sums)")
        expectClose(g[1], try fixture.steps("grad_b")[0], rtol: 1e-6, "grad_b at the start (float32)")
        #expect(try fixture.steps("w")[0] == QuadraticProblem.initialW)
    }

    @Test func adamWithL2WeightDecay() throws {
        try check("adam", runQuadratic(AdamConfiguration(learningRate: 1e-2, beta1: 0.9, beta2: 0.999, epsilon: 1e-8,
                                                          weightDecay: 0.01)))
    }

    @Test func adamWWithWarmupLinearDecay() throws {
        let fixture = try AdamFixture("adamw")
        let schedule = WarmupLinearDecay(warmupSteps: 3, totalSteps: 10, startFactor: 1e-3)
        #expect(try fixture.reader.attribute("warmup", of: "adamw") == .int(3))
        try check("adamw", runQuadratic(.adamW(learningRate: 2e-2, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.1),
                                        schedule: schedule))
    }

    @Test func adamWithGradientAccumulation() throws {
        try check("accumulate", runQuadratic(AdamConfiguration(learningRate: 5e-2), microBatches: 3))
    }
}
