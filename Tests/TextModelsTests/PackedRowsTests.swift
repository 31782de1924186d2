import Autograd
import Foundation
import HDF5Storage
import SeededRandom
import TensorCore
import Testing
import TestSupport
@testable import TextModels

/// BertEncoder's packed pass (no padded rows: BertEncoder.forward(packedEmbeddings:)) against
/// the padded pass, in training with LoRA dropout on every target: under the exact product the
/// valid rows, every LoRA gradient, the input embeddings' gradient and the dropout stream must be
/// the same bits (the packed pass's header says why). A different summation order, a mask drawn
/// for the wrong position or a use of the input in another order would show here as unequal
/// bits, so there is no tolerance.
@Suite("Packed sequences: the padded pass's bits without its padded rows")
struct PackedRowsTests {
    struct Pass {
        var rows: [Float]             // the kept rows, packed, sample after sample
        var gradients: [[Float]]
        var inputGradient: [Float]    // the valid positions' rows, packed
        var paddedInputGradient: [Float]
        var stream: RandomStream
    }

    /// One training pass: loss = sum over samples and kept positions of w . h (w fixed), so
    /// every kept row gets a gradient. `kept`: nil for every position, else the first that many.
    static func pass(_ encoder: BertEncoder, _ batch: [[Int]], kept: Int?, packed: Bool) -> Pass {
        let C = encoder.configuration.hiddenSize, B = batch.count, lengths = batch.map(\.count), T = lengths.max()!
        let rows = PackedRows(counts: lengths, length: T)
        let keptRows = kept.map { rows.first($0) } ?? rows
        let tape = Tape<Float>(recording: true, training: true)
        var dropout = SeedBook(seed: 7).stream(.dropout)
        var weights = SeedBook(seed: 8).stream(.initialization, "loss weights")
        let w = Tensor<Float>(shape: [C, 1], scalars: (0..<C).map { _ in weights.uniform(-1, 1) })
        let last: Variable<Float>, input: Variable<Float>
        if packed {
            let embedded = encoder.wordEmbeddings(batch.flatMap { $0 }, on: Tape(recording: false)).value
            input = Variable(embedded, requiresGrad: true)
            last = encoder.forward(packedEmbeddings: input, rows: rows, adapter: "default", firstPositions: kept,
                                   random: &dropout, on: tape)
            #expect(last.shape == [keptRows.rows, C])
        } else {
            let padded = batch.flatMap { $0 + [Int](repeating: 0, count: T - $0.count) }
            let embedded = encoder.wordEmbeddings(padded, on: Tape(recording: false)).value
            input = Variable(Tensor(shape: [B, T, C], scalars: embedded.scalars), requiresGrad: true)
            let states = encoder.forward(inputEmbeddings: input, lengths: lengths, adapter: "default",
                                         firstPositions: kept, random: &dropout, on: tape).last!
            let width = states.shape[1]
            last = tape.gatherRows(tape.reshape(states, [B * width, C]), keptRows.paddedIndices(width: width))
        }
        let loss = tape.sum(tape.matmul(last, tape.constant(w)))
        tape.backward(loss)
        let g = input.grad!.scalars
        let validGradient = packed ? g : rows.paddedIndices(width: T).flatMap { g[($0 * C)..<(($0 + 1) * C)] }
        let paddedGradient = packed ? [] : (0..<B).flatMap { b in ((b * T + lengths[b])..<((b + 1) * T)).flatMap { g[($0 * C)..<(($0 + 1) * C)] } }
        return Pass(rows: last.value.scalars, gradients: encoder.adapterParameters.map { $0.1.grad?.scalars ?? [] },
                    inputGradient: validGradient, paddedInputGradient: paddedGradient, stream: dropout)
    }

    @Test(arguments: TinyModel.allCases, [nil, 1, 3] as [Int?])
    func validRowsGradientsAndDropoutStreamAreThePaddedPassBits(model: TinyModel, kept: Int?) throws {
        try #require(MatrixProductSettings.product == .exactFMA, "the claim is the exact product's")
        let batch = try goldenBatch(try HDF5Reader(path: model.golden))
        try #require(Set(batch.map(\.count)).count > 1, "the batch must have padding")
        let encoder = try BertEncoder(directory: model.directory)
        var r = SeedBook(seed: 0).stream(.initialization)
        try encoder.addAdapter("default", rank: 4, alpha: 8, dropout: 0.3, targets: model.targets, random: &r)
        // LoRA B starts at zero (PEFT), which would leave A's gradient zero: random B instead.
        var fill = SeedBook(seed: 1).stream(.initialization, "lora B")
        for (name, p) in encoder.adapterParameters where name.contains("lora_B") {
            p.value = Tensor(shape: p.shape, scalars: (0..<p.value.count).map { _ in fill.uniform(-0.5, 0.5) })
        }
        let padded = Self.pass(encoder, batch, kept: kept, packed: false)
        for (_, p) in encoder.adapterParameters { p.zeroGrad() }
        let packed = Self.pass(encoder, batch, kept: kept, packed: true)
        let name = "\(model.rawValue), kept \(kept.map(String.init) ?? "all")"
        #expect(FirstPositionsTests.differingBits(padded.rows, packed.rows) == 0, "\(name): kept rows")
        #expect(padded.stream == packed.stream, "\(name): dropout stream after the pass")
        #expect(FirstPositionsTests.differingBits(padded.inputGradient, packed.inputGradient) == 0, "\(name): input gradient")
        #expect(!padded.paddedInputGradient.isEmpty && padded.paddedInputGradient.allSatisfy { $0 == 0 },
                "\(name): the padded pass's padded rows get no gradient (what leaving them out relies on)")
        for (index, (parameter, _)) in encoder.adapterParameters.enumerated() {
            #expect(padded.gradients[index].contains { $0 != 0 }, "\(name): \(parameter) has a gradient")
            #expect(FirstPositionsTests.differingBits(padded.gradients[index], packed.gradients[index]) == 0, "\(name): \(parameter)")
        }
    }

    /// The packed attention op on each sample's rows equals the padded op's valid rows, forward
    /// and backward, in Double (same products, so equal bits; no tolerance).
    @Test func packedAttentionIsThePaddedOpsValidRows() {
        let lengths = [5, 2, 7], T = 7, C = 8, H = 2, B = lengths.count
        let rows = PackedRows(counts: lengths, length: T)
        var random = SeedBook(seed: 3).stream(.initialization, "packed attention")
        let values = (0..<3).map { _ in Tensor<Double>(shape: [B, T, C], scalars: (0..<(B * T * C)).map { _ in random.normalDouble() }) }
        let places = rows.paddedIndices(width: T)
        let seed = Tensor<Double>(shape: [rows.rows, C], scalars: (0..<(rows.rows * C)).map { _ in random.normalDouble() })
        func run(packed: Bool) -> (out: [Double], grads: [[Double]]) {
            let tape = Tape<Double>()
            let inputs = values.map { v in
                Variable(packed ? v.reshaped([B * T, C]).gatherRows(places) : v, requiresGrad: true)
            }
            let out = packed
                ? tape.attention(query: inputs[0], key: inputs[1], value: inputs[2], heads: H, queryRows: rows, keyRows: rows, scale: 0.3)
                : tape.gatherRows(tape.reshape(tape.attention(query: inputs[0], key: inputs[1], value: inputs[2], heads: H,
                                                             lengths: lengths, scale: 0.3), [B * T, C]), places)
            tape.backward(out, seed: seed)
            return (out.value.scalars, inputs.map { x in
                packed ? x.grad!.scalars : x.grad!.reshaped([B * T, C]).gatherRows(places).scalars })
        }
        let padded = run(packed: false), packed = run(packed: true)
        #expect(padded.out == packed.out)
        for i in 0..<3 { #expect(padded.grads[i] == packed.grads[i], "input \(i)") }
    }

    /// Packed dropout keeps exactly the padded masks' valid rows and leaves the stream where
    /// the padded dropout does.
    @Test func packedDropoutDrawsThePaddedMasks() {
        let lengths = [3, 1, 4], T = 4, width = 5, B = lengths.count
        let rows = PackedRows(counts: lengths, length: T)
        let ones = Variable(Tensor<Float>(repeating: 1, shape: [B, T, width]))
        var a = SeedBook(seed: 5).stream(.dropout), b = a
        let full = Tape<Float>(recording: false, training: true).dropout(ones, p: 0.4, random: &a)
        let packed = Tape<Float>(recording: false, training: true)
            .dropout(Variable(Tensor<Float>(repeating: 1, shape: [rows.rows, width])), p: 0.4, random: &b, packed: rows)
        #expect(full.value.reshaped([B * T, width]).gatherRows(rows.paddedIndices(width: T)).scalars == packed.value.scalars)
        #expect(a == b)
    }
}
