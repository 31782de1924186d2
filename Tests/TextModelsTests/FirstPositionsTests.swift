import Autograd
import Foundation
import HDF5Storage
import SeededRandom
import TensorCore
import Testing
import TestSupport
@testable import TextModels

/// BertEncoder's last layer on the first positions only (`firstPositions`, what a first-token
/// representation reads) against the full last layer, in training with LoRA dropout: under the
/// exact product the kept rows, every LoRA gradient, the input embeddings' gradient and the
/// dropout stream must be the same bits (BertEncoder.lastLayer says why). Any difference in
/// summation order or in the masks drawn would show here as unequal bits, so there is no tolerance.
@Suite("Last layer on the first positions: the full pass's bits")
struct FirstPositionsTests {
    struct Pass {
        var kept: [Float]
        var gradients: [[Float]]
        var inputGradient: [Float]
        var stream: RandomStream
    }

    /// One training pass: loss = sum over samples and kept positions of w . h (w fixed), so
    /// every kept row gets a gradient.
    static func pass(_ encoder: BertEncoder, _ batch: [[Int]], kept: Int, pruned: Bool) -> Pass {
        let C = encoder.configuration.hiddenSize, B = batch.count, T = batch.map(\.count).max()!
        let tape = Tape<Float>(recording: true, training: true)
        let padded = batch.flatMap { $0 + [Int](repeating: 0, count: T - $0.count) }
        let embedded = encoder.wordEmbeddings(padded, on: Tape(recording: false)).value
        let input = Variable(Tensor(shape: [B, T, C], scalars: embedded.scalars), requiresGrad: true)
        var dropout = SeedBook(seed: 7).stream(.dropout)
        let last = encoder.forward(inputEmbeddings: input, lengths: batch.map(\.count), adapter: "default",
                                   firstPositions: pruned ? kept : nil, random: &dropout, on: tape).last!
        #expect(last.shape == [B, pruned ? kept : T, C])
        let first = tape.slice(last, axis: 1, 0..<kept)                                   // [B, kept, C]
        var weights = SeedBook(seed: 8).stream(.initialization, "loss weights")
        let w = Tensor<Float>(shape: [C, 1], scalars: (0..<C).map { _ in weights.uniform(-1, 1) })
        let loss = tape.sum(tape.matmul(tape.reshape(first, [B * kept, C]), tape.constant(w)))
        tape.backward(loss)
        return Pass(kept: first.value.scalars, gradients: encoder.adapterParameters.map { $0.1.grad?.scalars ?? [] },
                    inputGradient: input.grad!.scalars, stream: dropout)
    }

    /// How many elements differ in their bits (-1: the lengths differ); a short failure message.
    static func differingBits(_ a: [Float], _ b: [Float]) -> Int {
        a.count == b.count ? zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count : -1
    }

    @Test(arguments: TinyModel.allCases, [1, 3])
    func keptRowsGradientsAndDropoutStreamAreTheFullPassBits(model: TinyModel, kept: Int) throws {
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
        let full = Self.pass(encoder, batch, kept: kept, pruned: false)
        for (_, p) in encoder.adapterParameters { p.zeroGrad() }
        let pruned = Self.pass(encoder, batch, kept: kept, pruned: true)
        #expect(Self.differingBits(full.kept, pruned.kept) == 0, "\(model.rawValue): kept rows")
        #expect(full.stream == pruned.stream, "\(model.rawValue): dropout stream after the pass")
        #expect(Self.differingBits(full.inputGradient, pruned.inputGradient) == 0, "\(model.rawValue): input gradient")
        for (index, (name, _)) in encoder.adapterParameters.enumerated() {
            #expect(!full.gradients[index].isEmpty && full.gradients[index].contains { $0 != 0 }, "\(name) has a gradient")
            #expect(Self.differingBits(full.gradients[index], pruned.gradients[index]) == 0, "\(model.rawValue): \(name)")
        }
    }
}
