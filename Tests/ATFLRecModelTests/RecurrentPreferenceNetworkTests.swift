import Autograd
import SeededRandom
import TensorCore
import Testing
import TestSupport
@testable import ATFLRecModel

// The MLLM-MSR adaptation's recurrence on the small stand-in backbone: the batched recurrence
// against the formula unrolled by hand, what truncation does to gradients (and not to values),
// and the full gradient against central finite differences.
@Suite("Recurrent preference network (MLLM-MSR adapted)")
struct RecurrentPreferenceNetworkTests {
    // One, two and three history blocks of different lengths.
    let batch = [
        PreferenceExample(sampleID: 0, blocks: [[1, 2, 3]], candidate: [4, 5], label: 1),
        PreferenceExample(sampleID: 1, blocks: [[6, 7], [8, 9, 10, 11]], candidate: [12], label: 0),
        PreferenceExample(sampleID: 2, blocks: [[13], [14, 15], [16, 17, 18]], candidate: [19, 2, 3], label: 1),
    ]

    func network(gradientBlocks: Int? = nil, representation: Representation = .maskedMean) -> RecurrentPreferenceNetwork {
        var r = SeedBook(seed: 4).stream(.initialization)
        let backbone = LowRankToyBackbone(adapters: RecurrentPreferenceNetwork.adapterNames, random: &r)
        return RecurrentPreferenceNetwork(backbone: backbone, representation: representation, gradientBlocks: gradientBlocks, random: &r)
    }

    /// The formula of the header, one example at a time; `detachBefore` makes the preference
    /// vectors of blocks before that index constants (what truncation promises).
    func unrolled(_ net: RecurrentPreferenceNetwork, _ x: PreferenceExample, detachBefore: Int = 0, on tape: Tape<Float>) -> Variable<Float> {
        var p: Variable<Float>?
        for (i, block) in x.blocks.enumerated() {
            var appended: [Variable<Float>]?
            if var q = p {
                if i < detachBefore + 1 { q = tape.constant(q.value) }
                appended = [net.carry(q, on: tape)]
            }
            let (h, l) = net.backbone.encode(tokens: [block], appended: appended, adapter: "preference", on: tape)
            p = net.representation.pool(h, lengths: l, on: tape)
        }
        let (h, l) = net.backbone.encode(tokens: [x.candidate], appended: [net.carry(p!, on: tape)], adapter: "recommend", on: tape)
        return tape.reshape(net.classifier(net.representation.pool(h, lengths: l, on: tape), on: tape), [-1])
    }

    /// Exact equality: under the exact product every output is one sequential chain, whatever
    /// the batch holds.
    @Test(arguments: [Representation.maskedMean, .firstToken])
    func batchedRecurrenceIsTheFormulaUnrolled(_ representation: Representation) {
        let net = network(representation: representation)
        let batched = net.logits(batch, on: Tape(recording: false)).value.scalars
        let byHand = batch.map { unrolled(net, $0, on: Tape(recording: false)).value.scalars[0] }
        #expect(batched == byHand)
        // The earlier blocks matter: changing block 1 of a three-block history moves its logit
        // (under the masked mean: the stand-in backbone is position-wise, so its first token
        // never sees the soft token; BERT's attends to it).
        guard representation == .maskedMean else { return }
        var changed = batch[2]
        changed.blocks[0] = [5]
        #expect(unrolled(net, changed, on: Tape(recording: false)).value.scalars[0] != byHand[2])
    }

    func gradients(_ net: RecurrentPreferenceNetwork, _ loss: (Tape<Float>) -> Variable<Float>) -> [[Float]] {
        for (_, p) in net.namedParameters { p.grad = nil }
        let tape = Tape<Float>()
        tape.backward(loss(tape))
        return net.namedParameters.map { $0.1.grad?.scalars ?? [] }
    }

    @Test func truncationKeepsValuesAndCutsGradientsWhereItSays() {
        let full = network(), cut = network(gradientBlocks: 1)
        let labels = batch.map(\.label)
        #expect(full.logits(batch, on: Tape(recording: false)).value == cut.logits(batch, on: Tape(recording: false)).value)
        let gFull = gradients(full) { t in full.loss(full.logits(batch, on: t), labels: labels, on: t) }
        let gCut = gradients(cut) { t in cut.loss(cut.logits(batch, on: t), labels: labels, on: t) }
        // By hand: with one block of gradient, every preference but the last is a constant.
        let gHand = gradients(cut) { t in
            let logits = t.concatenate(batch.map { unrolled(cut, $0, detachBefore: $0.blocks.count - 1, on: t) }, axis: 0)
            return cut.loss(logits, labels: labels, on: t)
        }
        let gFullHand = gradients(full) { t in
            full.loss(t.concatenate(batch.map { unrolled(full, $0, on: t) }, axis: 0), labels: labels, on: t)
        }
        // Tolerance 1e-6: the hand version sums each parameter's gradient over the examples in
        // another order (one example per pass instead of one batch per block).
        for (a, b) in zip(gCut + gFull, gHand + gFullHand) {
            #expect(a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) })
        }
        #expect(gCut != gFull)
        for (name, g) in zip(full.namedParameters.map(\.0), gFull) { #expect(!g.isEmpty, "\(name) got no gradient") }
        #expect(full.namedParameters.map(\.0) == ["lora_A.preference", "lora_B.preference", "lora_A.recommend", "lora_B.recommend",
                                                   "carry.weight", "carry.bias", "classifier.weight", "classifier.bias"])
    }

    /// The tape's gradient along a random direction of every parameter against the central
    /// difference (L(θ + hv) - L(θ - hv)) / 2h. Float: h = 1e-2 keeps the loss's rounding
    /// (about 1e-7 relative, divided by 2h) below 1e-5 while the O(h²) truncation stays near
    /// 1e-4; tolerance 1e-2 relative.
    @Test func fullGradientMatchesFiniteDifferences() {
        let net = network()
        let labels = batch.map(\.label)
        let g = gradients(net) { t in net.loss(net.logits(batch, on: t), labels: labels, on: t) }
        var r = SeedBook(seed: 9).stream(.sampling, "direction")
        let params = net.namedParameters.map(\.1)
        let direction = params.map { p in (0..<p.value.scalars.count).map { _ in r.normal() } }
        let analytic = zip(g, direction).reduce(0.0) { s, gd in s + zip(gd.0, gd.1).reduce(0.0) { $0 + Double($1.0 * $1.1) } }
        func loss(_ step: Float) -> Double {
            let saved = params.map(\.value)
            for (p, d) in zip(params, direction) {
                p.value = Tensor(shape: p.value.shape, scalars: zip(p.value.scalars, d).map { $0 + step * $1 })
            }
            defer { for (p, v) in zip(params, saved) { p.value = v } }
            let t = Tape<Float>(recording: false, training: true)
            return Double(net.loss(net.logits(batch, on: t), labels: labels, on: t).value.scalars[0])
        }
        let h: Float = 1e-2
        let numeric = (loss(h) - loss(-h)) / (2 * Double(h))
        #expect(abs(numeric - analytic) <= 1e-2 * abs(analytic), "numeric \(numeric), tape \(analytic)")
    }
}
