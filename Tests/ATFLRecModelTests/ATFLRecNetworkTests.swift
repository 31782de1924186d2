import Autograd
import SeededRandom
import TensorCore
import Testing
import TestSupport
@testable import ATFLRecModel

@Suite("ATFLRec network wiring")
struct ATFLRecNetworkTests {
    func fbank(_ item: Int) -> Tensor<Float> {
        var r = SeedBook(seed: UInt64(item)).stream(.dataGeneration, "fbank")
        return Tensor(shape: [7 + item % 3, 4], scalars: (0..<((7 + item % 3) * 4)).map { _ in r.normal() })
    }

    let batch = [
        ATFLRecExample(sampleID: 0, tokens: [1, 2, 3], audioItems: [5, 6, 9], label: 1),
        ATFLRecExample(sampleID: 1, tokens: [4, 5], audioItems: [6, 8], label: 0),
        ATFLRecExample(sampleID: 2, tokens: [7, 8, 9, 10], audioItems: [9], label: 1),
    ]

    func network(_ layout: LoRALayoutKind) -> ATFLRecNetwork {
        var r = SeedBook(seed: 1).stream(.initialization)
        let backbone = LowRankToyBackbone(adapters: layout.adapterNames, random: &r)
        return ATFLRecNetwork(backbone: backbone, layout: layout, representation: .maskedMean, melBins: 4, audioHidden: 5,
                              stackingPooling: .max, fusionPooling: .sum, frameStride: 2, random: &r)
    }

    @Test(arguments: [LoRALayoutKind.a, .b, .c])
    func gradientsReachExactlyTheLayoutsParameters(_ layout: LoRALayoutKind) {
        let net = network(layout)
        let tape = Tape<Float>()
        let forward = net.forward(batch, fbank: fbank, on: tape)
        #expect(forward.logits.shape == [3])
        tape.backward(net.loss(forward, labels: batch.map(\.label), on: tape))
        for (name, p) in net.namedParameters {
            #expect(p.grad != nil, "\(layout): \(name) got no gradient")
        }
        let names = net.namedParameters.map(\.0)
        #expect(names.contains("audio_embedding.0.weight") == (layout != .c))
        #expect(names.filter { $0.hasPrefix("lora_A.") } == layout.adapterNames.map { "lora_A.\($0)" })
        #expect(Set(names).count == names.count)
        if layout != .c {
            // Distinct items once each, in first-use order.
            #expect(forward.itemIDs == [5, 6, 9, 8])
            #expect(forward.itemVectors?.shape == [4, 6])
        }
    }

    @Test func evaluationIsDeterministicAndUsesRunningStatistics() {
        let net = network(.a)
        let train = Tape<Float>(recording: true, training: true)
        _ = net.forward(batch, fbank: fbank, on: train)
        #expect(net.audio!.batchNorm.statistics.batchesTracked == 1)
        let e1 = net.forward(batch, fbank: fbank, on: Tape(recording: false)).logits.value
        let e2 = net.forward(batch, fbank: fbank, on: Tape(recording: false)).logits.value
        #expect(e1 == e2)
        #expect(net.audio!.batchNorm.statistics.batchesTracked == 1)  // evaluation leaves statistics alone
        // One sample alone gives the same logit as inside the batch in evaluation mode.
        let single = net.forward([batch[1]], fbank: fbank, on: Tape(recording: false)).logits.value.scalars[0]
        #expect(abs(single - e1.scalars[1]) < 1e-5)
    }
}
