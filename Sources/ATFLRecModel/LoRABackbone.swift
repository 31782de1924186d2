import Autograd
import Synchronization
import SeededRandom
import TensorCore
import TextModels

/// The pretrained encoder of TextModels as ATFLRec's backbone: frozen weights, the layout's
/// LoRA adapters, and the adapters' dropout stream (its state is part of a checkpoint).
/// A sample's sequence is its tokens' word embeddings followed by its appended vectors (audio),
/// padded with zero vectors that the attention mask hides.
public final class LoRABackbone: SequenceBackbone {
    public let encoder: BertEncoder
    public var dropout: RandomStream

    public init(encoder: BertEncoder, adapters: [String], rank: Int, alpha: Double, dropout: Double, targets: [String],
                seeds: SeedBook) throws {
        self.encoder = encoder
        var init_ = seeds.stream(.initialization, "lora")
        for name in adapters {
            try encoder.addAdapter(name, rank: rank, alpha: alpha, dropout: dropout, targets: targets, random: &init_)
        }
        self.dropout = seeds.stream(.dropout)
    }

    public var hiddenSize: Int { encoder.configuration.hiddenSize }

    /// Whether batches run packed under the exact product (the default). Speed only: the packed
    /// and the padded pass give the same bits (PackedRowsTests), and `atflrec-bench run-packed`
    /// switches it off to time the padded pass beside it.
    nonisolated(unsafe) public static var packsSequences = true
    /// Rows of every batch encoded so far: valid (sequence positions) and padding (what a padded
    /// batch adds up to the longest sequence), counted whichever pass runs.
    public static let validRows = Atomic<Int>(0), paddingRows = Atomic<Int>(0)

    public var randomStates: [(String, UInt64)] { [("lora_dropout", dropout.state)] }

    public func restoreRandomStates(_ states: [(String, UInt64)]) throws {
        guard let state = states.first(where: { $0.0 == "lora_dropout" })?.1 else {
            throw BackboneError("checkpoint: random stream 'lora_dropout' missing")
        }
        dropout = RandomStream(state: state)
    }

    public var trainableParameters: [(String, Variable<Float>)] { encoder.adapterParameters }

    /// Under the exact product the batch runs packed (BertEncoder.forward(packedEmbeddings:):
    /// no padded row is computed) and `firstPositions` is honoured, both giving the padded full
    /// pass's bits; the returned rows past a sample's length are zero. Under OpenBLAS the padded
    /// full pass is kept: its sums over rows (the LoRA weights' gradients) depend on the row
    /// count, and the runs made with it must re-make byte for byte (issue 25).
    public func encode(tokens: [[Int]], appended: [Variable<Float>]?, adapter: String?, firstPositions: Int?,
                       on tape: Tape<Float>) -> (hidden: Variable<Float>, lengths: [Int]) {
        let c = hiddenSize
        var rows: [Variable<Float>] = []
        for (i, t) in tokens.enumerated() {
            var parts: [Variable<Float>] = []
            if !t.isEmpty { parts.append(encoder.wordEmbeddings(t, on: tape)) }
            if let appended { parts.append(appended[i]) }
            rows.append(parts.count == 1 ? parts[0] : tape.concatenate(parts, axis: 0))
        }
        let lengths = rows.map { $0.shape[0] }
        let t = lengths.max() ?? 0
        let valid = lengths.reduce(0, +)
        Self.validRows.add(valid, ordering: .relaxed)
        Self.paddingRows.add(lengths.count * t - valid, ordering: .relaxed)
        if Self.packsSequences && MatrixProductSettings.product == .exactFMA && lengths.allSatisfy({ $0 > 0 })
            && encoder.fusedAttention {
            let packed = PackedRows(counts: lengths, length: t)
            let embeddings = rows.count == 1 ? rows[0] : tape.concatenate(rows, axis: 0)         // [packed.rows, C]
            let width = firstPositions.map { Swift.min($0, t) } ?? t
            let last = encoder.forward(packedEmbeddings: embeddings, rows: packed, adapter: adapter,
                                       firstPositions: firstPositions, random: &dropout, on: tape)
            return (tape.padded(last, packed.first(width), width: width), lengths)
        }
        let padded = rows.map { r -> Variable<Float> in
            let pad = t - r.shape[0]
            let full = pad == 0 ? r : tape.concatenate([r, tape.constant(Tensor(zeros: [pad, c]))], axis: 0)
            return tape.reshape(full, [1, t, c])
        }
        let embeddings = padded.count == 1 ? padded[0] : tape.concatenate(padded, axis: 0)
        let first = MatrixProductSettings.product == .exactFMA ? firstPositions : nil
        let hidden = encoder.forward(inputEmbeddings: embeddings, lengths: lengths, adapter: adapter, firstPositions: first,
                                     random: &dropout, on: tape).last!
        return (hidden, lengths)
    }
}

/// A backbone state that cannot be restored; one line naming what is wrong.
public struct BackboneError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
