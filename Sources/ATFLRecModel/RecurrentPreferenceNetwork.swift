import Autograd
import NeuralLayers
import SeededRandom
import TensorCore

// MLLM-MSR adapted to audio (issue 28, point 2; ../shared/seeds/mllm-msr-summary.txt): the
// user's history is cut into blocks of b items; the first block's item texts (title and audio
// summary) are encoded into a preference vector; each next block is encoded together with the
// previous preference vector, placed as one soft token after the block's tokens; the last
// preference and the candidate's text give the score:
//
//   p_1 = pool(E_pref(tokens(block 1)))
//   p_i = pool(E_pref(tokens(block i) ++ [W_c p_{i-1} + b_c]))          i = 2 ... n
//   logit = w . pool(E_rec(tokens(candidate) ++ [W_c p_n + b_c])) + b
//
// E is the frozen pretrained encoder with LoRA: adapter "preference" for every block (one set
// of weights shared across blocks) and adapter "recommend" for the scoring pass; W_c (C -> C) is
// the carry projection of a preference vector into the encoder's input space, shared by every
// step; pool is the configured representation (first token or masked mean). Trained end to end
// with BCE on positives and sampled negatives.
//
// Gradients: `gradientBlocks` = nil back-propagates through every block (the whole recurrence);
// g keeps the gradient of the last g block passes only, the earlier preference vectors entering
// as constants (truncated back-propagation through time), which bounds what a training step
// stores when histories are long.
//
// Where this departs from the generative original, and why:
// - MLLM-MSR's preference is a text written by a multimodal LLM and read back as text; here it
//   is a vector carried as a soft token: the encoder has no language-model head to write text,
//   and a vector keeps the recurrence differentiable, so the preference inference is trained
//   with the recommender instead of being a frozen prompt.
// - MLLM-MSR summarises items with an MLLM (images into captions); here the summary is the
//   measured audio descriptors rendered as words (AudioFeatures/AudioDescriptors.swift).
// - MLLM-MSR scores with a fine-tuned generative model's yes/no; here a linear classifier on the
//   encoder's representation gives the logit, as in ATFLRec (section II-B).

/// One (history, candidate) case as the network consumes it.
public struct PreferenceExample: Sendable {
    public var sampleID: Int
    /// Token ids of each history block's text, oldest block first (at least one block).
    public var blocks: [[Int]]
    /// Token ids of the candidate's text.
    public var candidate: [Int]
    public var label: Float

    public init(sampleID: Int, blocks: [[Int]], candidate: [Int], label: Float) {
        self.sampleID = sampleID
        self.blocks = blocks
        self.candidate = candidate
        self.label = label
    }
}

public final class RecurrentPreferenceNetwork {
    public static let adapterNames = ["preference", "recommend"]

    public let backbone: SequenceBackbone
    public let representation: Representation
    /// The carry projection of a preference vector into the encoder's input space.
    public let carry: Linear<Float>
    public let classifier: Linear<Float>
    /// Block passes whose gradient is kept (nil: every block).
    public let gradientBlocks: Int?

    public init(backbone: SequenceBackbone, representation: Representation, gradientBlocks: Int?, random: inout RandomStream) {
        precondition(gradientBlocks.map { $0 >= 1 } ?? true, "gradientBlocks must be at least 1")
        self.backbone = backbone
        self.representation = representation
        self.gradientBlocks = gradientBlocks
        carry = Linear(inputSize: backbone.hiddenSize, outputSize: backbone.hiddenSize, random: &random)
        classifier = Linear(inputSize: backbone.hiddenSize, outputSize: 1, random: &random)
    }

    /// Every trainable parameter with its checkpoint name, in a fixed order.
    public var namedParameters: [(String, Variable<Float>)] {
        backbone.trainableParameters + carry.namedParameters(prefix: "carry.") + classifier.namedParameters(prefix: "classifier.")
    }

    /// The soft token of preference vectors [S, C]: S sequences of one vector [1, C] each.
    func softTokens(_ preference: Variable<Float>, on tape: Tape<Float>) -> [Variable<Float>] {
        let projected = carry(preference, on: tape)
        return (0..<preference.shape[0]).map { tape.slice(projected, axis: 0, $0..<($0 + 1)) }
    }

    /// Each example's last preference vector, [B, C]. Block i of every example that has one is
    /// encoded in one batch; an example's blocks are its own, so batching changes no value
    /// (the backbone's rows are per sample).
    public func preferences(_ batch: [PreferenceExample], on tape: Tape<Float>) -> Variable<Float> {
        precondition(batch.allSatisfy { !$0.blocks.isEmpty }, "every example needs at least one history block")
        let read: Int? = representation == .firstToken ? 1 : nil
        let steps = batch.map(\.blocks.count).max()!
        var current = [Variable<Float>?](repeating: nil, count: batch.count)   // [1, C] each
        let untaped = Tape<Float>(recording: false, training: tape.isTraining)
        for i in 0..<steps {
            let members = batch.indices.filter { i < batch[$0].blocks.count }
            // A pass is kept on the tape when it is among its example's last `gradientBlocks`;
            // members are split so that each group runs on one tape.
            let kept = members.filter { m in gradientBlocks.map { batch[m].blocks.count - i <= $0 } ?? true }
            let dropped = members.filter { !kept.contains($0) }
            for (group, on) in [(dropped, untaped), (kept, tape)] where !group.isEmpty {
                var appended: [Variable<Float>]?
                if i > 0 {
                    // A preference computed off the tape enters this tape as a constant.
                    let previous = group.map { on === tape && current[$0]!.requiresGrad ? current[$0]! : on.constant(current[$0]!.value) }
                    appended = softTokens(previous.count == 1 ? previous[0] : on.concatenate(previous, axis: 0), on: on)
                }
                let (h, l) = backbone.encode(tokens: group.map { batch[$0].blocks[i] }, appended: appended, adapter: "preference",
                                             firstPositions: read, on: on)
                let pooled = representation.pool(h, lengths: l, on: on)                 // [|group|, C]
                for (k, m) in group.enumerated() { current[m] = on.slice(pooled, axis: 0, k..<(k + 1)) }
            }
        }
        let last = current.map { v -> Variable<Float> in v!.requiresGrad || !tape.isRecording ? v! : tape.constant(v!.value) }
        return last.count == 1 ? last[0] : tape.concatenate(last, axis: 0)
    }

    /// Logits [B] of the candidates given the examples' histories.
    public func logits(_ batch: [PreferenceExample], on tape: Tape<Float>) -> Variable<Float> {
        logits(candidates: batch.map(\.candidate), preferences: preferences(batch, on: tape), on: tape)
    }

    /// Logits [B] of candidates with given preference vectors [B, C]: an evaluation encodes a
    /// user's history once and scores each of the user's candidates against it.
    public func logits(candidates: [[Int]], preferences: Variable<Float>, on tape: Tape<Float>) -> Variable<Float> {
        let read: Int? = representation == .firstToken ? 1 : nil
        let (h, l) = backbone.encode(tokens: candidates, appended: softTokens(preferences, on: tape), adapter: "recommend",
                                     firstPositions: read, on: tape)
        return tape.reshape(classifier(representation.pool(h, lengths: l, on: tape), on: tape), [-1])
    }

    /// Mean BCE of logits against labels.
    public func loss(_ logits: Variable<Float>, labels: [Float], on tape: Tape<Float>) -> Variable<Float> {
        tape.bceWithLogits(logits, targets: Tensor(shape: [labels.count], scalars: labels))
    }
}
