import ATFLRecModel
import Autograd
import SeededRandom
import TensorCore

/// A small stand-in backbone for the network's wiring tests: a frozen token table plus, per
/// adapter, a trainable low-rank update h = x + (x A^T) B^T applied position-wise. Not a
/// transformer; the BERT encoder of TextModels is tested against transformers elsewhere.
public final class LowRankToyBackbone: SequenceBackbone {
    public let hiddenSize = 6
    let table: Variable<Float>
    var adapters: [String: (Variable<Float>, Variable<Float>)] = [:]
    let adapterOrder: [String]

    public init(adapters names: [String], random: inout RandomStream) {
        table = Variable(Tensor(shape: [20, 6], scalars: (0..<120).map { _ in random.normal() }))
        adapterOrder = names
        for n in names {
            let a = Variable(Tensor(shape: [2, 6], scalars: (0..<12).map { _ in random.normal(std: 0.3) }), requiresGrad: true, name: "lora_A.\(n)")
            let b = Variable(Tensor(shape: [6, 2], scalars: (0..<12).map { _ in random.normal(std: 0.3) }), requiresGrad: true, name: "lora_B.\(n)")
            adapters[n] = (a, b)
        }
    }

    public var trainableParameters: [(String, Variable<Float>)] {
        adapterOrder.flatMap { n in [(adapters[n]!.0.name, adapters[n]!.0), (adapters[n]!.1.name, adapters[n]!.1)] }
    }

    /// Every position whatever `firstPositions` asks (the protocol allows it).
    public func encode(tokens: [[Int]], appended: [Variable<Float>]?, adapter: String?, firstPositions: Int?,
                       on tape: Tape<Float>) -> (hidden: Variable<Float>, lengths: [Int]) {
        var rows: [Variable<Float>] = []
        var lengths: [Int] = []
        for (i, t) in tokens.enumerated() {
            var parts: [Variable<Float>] = []
            if !t.isEmpty { parts.append(tape.embedding(table, ids: t)) }
            if let appended { parts.append(appended[i]) }
            rows.append(parts.count == 1 ? parts[0] : tape.concatenate(parts, axis: 0))
            lengths.append(rows.last!.shape[0])
        }
        let t = lengths.max()!
        let padded = rows.map { r -> Variable<Float> in
            let pad = t - r.shape[0]
            let full = pad == 0 ? r : tape.concatenate([r, tape.constant(Tensor(zeros: [pad, 6]))], axis: 0)
            return tape.reshape(full, [1, t, 6])
        }
        let x = tape.concatenate(padded, axis: 0)
        guard let adapter, let (a, b) = adapters[adapter] else { return (x, lengths) }
        let update = tape.matmul(tape.matmul(x, a, transposeWeight: true), b, transposeWeight: true)
        return (tape.add(x, update), lengths)
    }
}

