import Autograd
import SeededRandom
import TensorCore

// ATFLRec (paper section II, Figures 1, 2 and 4): the text prompt and the stacked audio vectors
// of the user's liked history items and the target go through one frozen backbone adapted by
// LoRA, their representations are fused by pooling, and a linear classifier gives the logit.
//
// Layouts (Figure 4):
//   (a) text with adapter "text", audio sequence with adapter "audio"; fusion pooling of both;
//   (b) one adapter "fused" over the text tokens followed by the audio vectors;
//   (c) text only with adapter "text" (TALLRec).
// NOTE (reading of the paper): "the audio of user-liked and target items" forms the audio
// sequence; a sample without liked history has the target's audio alone.

public enum LoRALayoutKind: String, Sendable {
    case a, b, c

    /// The adapters a backbone must carry for this layout.
    public var adapterNames: [String] {
        switch self {
        case .a: return ["text", "audio"]
        case .b: return ["fused"]
        case .c: return ["text"]
        }
    }
}

/// One (user history, target) example as the network consumes it.
public struct ATFLRecExample: Sendable {
    public var sampleID: Int
    /// Token ids of the rendered instruction prompt (with special tokens).
    public var tokens: [Int]
    /// Items whose audio forms the sequence: liked history items, then the target last.
    public var audioItems: [Int]
    public var label: Float

    public init(sampleID: Int, tokens: [Int], audioItems: [Int], label: Float) {
        self.sampleID = sampleID
        self.tokens = tokens
        self.audioItems = audioItems
        self.label = label
    }
}

/// The intermediate vectors of one forward pass, for intermediates.h5 and the Python loader.
public struct ATFLRecForward {
    public var logits: Variable<Float>            // [B]
    public var fused: Variable<Float>             // [B, C]
    public var text: Variable<Float>?             // [B, C]
    public var audio: Variable<Float>?            // [B, C]
    public var itemIDs: [Int]                     // distinct items, in first-use order
    public var itemVectors: Variable<Float>?      // [I, C]
}

public final class ATFLRecNetwork {
    public let backbone: SequenceBackbone
    public let audio: AudioEmbeddingNetwork?
    public let fusion: FusionClassifier
    public let layout: LoRALayoutKind
    public let representation: Representation

    public init(backbone: SequenceBackbone, layout: LoRALayoutKind, representation: Representation,
                melBins: Int, audioHidden: Int, stackingPooling: PoolingKind, fusionPooling: PoolingKind,
                frameStride: Int, random: inout RandomStream) {
        self.backbone = backbone
        self.layout = layout
        self.representation = representation
        // Layout (c) has no audio branch at all (its parameters would get no gradient).
        audio = layout == .c ? nil : AudioEmbeddingNetwork(
            melBins: melBins, hiddenSize: audioHidden, outputSize: backbone.hiddenSize,
            pooling: stackingPooling, frameStride: frameStride, random: &random)
        fusion = FusionClassifier(hiddenSize: backbone.hiddenSize, pooling: fusionPooling, random: &random)
    }

    /// Every trainable parameter with its checkpoint name, in a fixed order.
    public var namedParameters: [(String, Variable<Float>)] {
        backbone.trainableParameters + (audio?.namedParameters ?? []) + fusion.namedParameters
    }

    /// Every item's audio vector [C] in evaluation mode (batch norm on its running statistics),
    /// `chunk` items per pass. In evaluation an item's vector does not depend on the batch it is
    /// in, so an evaluation computes each item once instead of once per batch; the vectors are
    /// passed to `forward` as `cachedItemVectors`. Empty for layout (c).
    public func evaluationItemVectors(_ items: [Int], fbank: (Int) -> Tensor<Float>, chunk: Int = 32) -> [Int: [Float]] {
        guard let audio else { return [:] }
        var out: [Int: [Float]] = [:]
        let distinct = Array(Set(items)).sorted()
        var start = 0
        while start < distinct.count {
            let ids = Array(distinct[start..<min(start + chunk, distinct.count)])
            let v = audio.itemVectors(ids.map(fbank), on: Tape(recording: false, training: false)).value  // [I, C]
            let c = v.shape[1]
            for (k, id) in ids.enumerated() { out[id] = Array(v.scalars[(k * c)..<((k + 1) * c)]) }
            start += chunk
        }
        return out
    }

    /// The forward pass of a batch. `fbank(item)` gives an item's FBank matrix [F, M];
    /// `cachedItemVectors` (evaluation only, from `evaluationItemVectors`) replaces the audio
    /// network by a lookup.
    public func forward(_ batch: [ATFLRecExample], fbank: (Int) -> Tensor<Float>, on tape: Tape<Float>,
                        cachedItemVectors: [Int: [Float]]? = nil) -> ATFLRecForward {
        let tokens = batch.map(\.tokens)
        var itemIDs: [Int] = []
        var itemVectors: Variable<Float>?
        var audioSequences: [Variable<Float>]?
        if let audio {
            // Each distinct item once per batch, in first-use order.
            var index: [Int: Int] = [:]
            for example in batch {
                for item in example.audioItems where index[item] == nil {
                    index[item] = itemIDs.count
                    itemIDs.append(item)
                }
            }
            let vectors: Variable<Float>                                        // [I, C]
            if let cachedItemVectors {
                precondition(!tape.isTraining, "cached item vectors are for evaluation only")
                vectors = tape.constant(Tensor(shape: [itemIDs.count, backbone.hiddenSize],
                                               scalars: itemIDs.flatMap { cachedItemVectors[$0]! }))
            } else {
                vectors = audio.itemVectors(itemIDs.map(fbank), on: tape)
            }
            itemVectors = vectors
            audioSequences = batch.map { tape.embedding(vectors, ids: $0.audioItems.map { index[$0]! }) }  // [A_i, C] each
        }
        var text: Variable<Float>?
        var audioRep: Variable<Float>?
        let fused: Variable<Float>
        // A first-token representation reads one position of the last layer; the backbone may
        // compute only that one (same bits, LoRABackbone.encode).
        let read: Int? = representation == .firstToken ? 1 : nil
        switch layout {
        case .a:
            let (th, tl) = backbone.encode(tokens: tokens, appended: nil, adapter: "text", firstPositions: read, on: tape)
            let (ah, al) = backbone.encode(tokens: batch.map { _ in [] }, appended: audioSequences, adapter: "audio", firstPositions: read, on: tape)
            text = representation.pool(th, lengths: tl, on: tape)
            audioRep = representation.pool(ah, lengths: al, on: tape)
            fused = fusion.fuse([text!, audioRep!], on: tape)
        case .b:
            let (h, l) = backbone.encode(tokens: tokens, appended: audioSequences, adapter: "fused", firstPositions: read, on: tape)
            fused = representation.pool(h, lengths: l, on: tape)
        case .c:
            let (h, l) = backbone.encode(tokens: tokens, appended: nil, adapter: "text", firstPositions: read, on: tape)
            text = representation.pool(h, lengths: l, on: tape)
            fused = text!
        }
        return ATFLRecForward(logits: fusion.logits(fused, on: tape), fused: fused, text: text, audio: audioRep,
                              itemIDs: itemIDs, itemVectors: itemVectors)
    }

    /// Mean BCE of a batch's logits against its labels.
    public func loss(_ forward: ATFLRecForward, labels: [Float], on tape: Tape<Float>) -> Variable<Float> {
        tape.bceWithLogits(forward.logits, targets: Tensor(shape: [labels.count], scalars: labels))
    }
}
