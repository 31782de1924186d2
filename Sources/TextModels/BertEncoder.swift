import Autograd
import NeuralLayers
import SeededRandom
import TensorCore

// A config-driven BERT / RoBERTa encoder (Devlin et al. 2019; Liu et al. 2019; transformers'
// modeling_bert.py BertModel and modeling_roberta.py RobertaModel) on the autograd ops, with
// frozen pretrained weights under transformers' names ("bert." / "roberta." prefixes stripped).
// Shapes: B batch, T tokens (padded to the longest in the batch), C hidden, H heads, D = C / H.
//
//   embeddings = LayerNorm(word[ids] + position[p] + token_type[0])
//       BERT:    p = 0..<T
//       RoBERTa: p = padding_idx + 1 + (running count of non-pad tokens) on real tokens and
//                padding_idx on padded ones (create_position_ids_from_input_ids), so a RoBERTa
//                model takes at most max_position_embeddings - padding_idx - 1 tokens (512).
//   per layer:  a = softmax(Q K^T / sqrt(D) + mask) V      (padded keys excluded; fused op)
//               h = LayerNorm(h + Wo a)                      (post-LN, eps from config.json)
//               h = LayerNorm(h + W2 GELU(W1 h))
//   pooler (optional, when the checkpoint has pooler.dense): tanh(Wp h[:, 0] + bp).
// NOTE: every token gets token type 0 (single-segment inputs; RoBERTa has only type 0).

public final class BertEncoder {
    public let configuration: EncoderConfiguration
    let word: Variable<Float>, position: Variable<Float>, tokenType: Variable<Float>
    let embeddingNorm: LayerNorm<Float>
    /// The pooler (BertPooler / RobertaPooler), present when the checkpoint stores one.
    public let pooler: Linear<Float>?
    /// The first position id of a sequence: 0 for BERT, padding_idx + 1 for RoBERTa.
    public let positionOffset: Int
    /// Attention through the fused op (Autograd's `attention`: no head permutes, no work on padded
    /// keys) or, when false, through the primitive ops it replaces (kept as its reference).
    public var fusedAttention = true
    /// The longest token sequence (special tokens included) the position table allows.
    public var maxSequenceLength: Int { configuration.maxPositionEmbeddings - positionOffset }

    struct Block {
        let query, key, value, attentionOutput, intermediate, output: LoRALinear
        let attentionNorm, outputNorm: LayerNorm<Float>

        /// The projections LoRA may target, by PEFT's module names.
        func target(_ name: String) -> LoRALinear? {
            switch name {
            case "query": return query
            case "key": return key
            case "value": return value
            case "attention.output": return attentionOutput
            case "intermediate": return intermediate
            case "output": return output
            default: return nil
            }
        }

        static let targetPaths = ["query": "attention.self.query", "key": "attention.self.key", "value": "attention.self.value",
                                  "attention.output": "attention.output.dense", "intermediate": "intermediate.dense",
                                  "output": "output.dense"]
    }
    let blocks: [Block]

    /// Loads frozen weights from a model folder (config.json + model.safetensors); model_type
    /// "bert" or "roberta". Every problem (missing or corrupt file, unknown architecture, missing
    /// tensor, wrong shape for the config) is one line naming the file and field.
    public init(directory: String) throws {
        let c = try EncoderConfiguration.load(directory + "/config.json")
        if c.modelType == "roberta" {
            guard let pad = c.padTokenId else { throw TokenizerError("\(directory)/config.json: RoBERTa needs pad_token_id") }
            positionOffset = pad + 1
            guard c.maxPositionEmbeddings > positionOffset else {
                throw TokenizerError("\(directory)/config.json: max_position_embeddings \(c.maxPositionEmbeddings) leaves no position after padding_idx \(pad)")
            }
        } else {
            positionOffset = 0
        }
        let file = try SafetensorsFile(path: directory + "/model.safetensors")
        let tensors = Dictionary(uniqueKeysWithValues: try file.floatTensors())
        func frozen(_ name: String, _ shape: [Int]) throws -> Variable<Float> {
            guard let t = tensors[name] else { throw TokenizerError("\(file.path): missing tensor '\(name)'") }
            guard t.shape == shape else { throw TokenizerError("\(file.path): tensor '\(name)' has shape \(t.shape), config needs \(shape)") }
            return Variable(t, requiresGrad: false, name: name)
        }
        let C = c.hiddenSize, I = c.intermediateSize
        let eps = Float(c.layerNormEps)
        func linear(_ p: String, _ out: Int, _ inp: Int) throws -> LoRALinear {
            LoRALinear(base: Linear(weight: try frozen(p + ".weight", [out, inp]), bias: try frozen(p + ".bias", [out])))
        }
        func norm(_ p: String) throws -> LayerNorm<Float> {
            LayerNorm(weight: try frozen(p + ".weight", [C]), bias: try frozen(p + ".bias", [C]), eps: eps)
        }
        configuration = c
        word = try frozen("embeddings.word_embeddings.weight", [c.vocabSize, C])
        position = try frozen("embeddings.position_embeddings.weight", [c.maxPositionEmbeddings, C])
        tokenType = try frozen("embeddings.token_type_embeddings.weight", [c.typeVocabSize, C])
        embeddingNorm = try norm("embeddings.LayerNorm")
        pooler = tensors["pooler.dense.weight"] == nil ? nil : try linear("pooler.dense", C, C).base
        blocks = try (0..<c.numHiddenLayers).map { i in
            let p = "encoder.layer.\(i)."
            return Block(query: try linear(p + "attention.self.query", C, C), key: try linear(p + "attention.self.key", C, C),
                         value: try linear(p + "attention.self.value", C, C),
                         attentionOutput: try linear(p + "attention.output.dense", C, C),
                         intermediate: try linear(p + "intermediate.dense", I, C), output: try linear(p + "output.dense", C, I),
                         attentionNorm: try norm(p + "attention.output.LayerNorm"), outputNorm: try norm(p + "output.LayerNorm"))
        }
    }

    /// Adds adapter `name` (rank, alpha, dropout) to the `targets` of every layer
    /// ("query", "key", "value", "attention.output", "intermediate", "output").
    public func addAdapter(_ name: String, rank: Int, alpha: Double, dropout: Double, targets: [String],
                           random: inout RandomStream) throws {
        for t in targets where Block.targetPaths[t] == nil { throw TokenizerError("LoRA target '\(t)' is not an encoder projection (query, key, value, attention.output, intermediate, output)") }
        for block in blocks { for t in targets { block.target(t)!.addAdapter(name, rank: rank, alpha: alpha, dropout: dropout, random: &random) } }
    }

    /// The adapters' trainable matrices under PEFT's names
    /// (base_model.model.encoder.layer.<i>.attention.self.query.lora_A.<name>.weight), layer by layer.
    public var adapterParameters: [(String, Variable<Float>)] {
        var out: [(String, Variable<Float>)] = []
        for (i, block) in blocks.enumerated() {
            for t in ["query", "key", "value", "attention.output", "intermediate", "output"] {
                let layer = block.target(t)!
                for name in layer.adapterNames {
                    let a = layer.adapters[name]!
                    let prefix = "base_model.model.encoder.layer.\(i).\(Block.targetPaths[t]!)."
                    out.append((prefix + "lora_A.\(name).weight", a.a))
                    out.append((prefix + "lora_B.\(name).weight", a.b))
                }
            }
        }
        return out
    }

    /// Merges adapter `name` into every frozen projection it sits on (forward then without it).
    public func mergeAdapter(_ name: String) {
        for block in blocks { for t in Block.targetPaths.keys.sorted() { block.target(t)!.merge(name) } }
    }

    /// Undoes `mergeAdapter(name)` (up to float32 rounding).
    public func unmergeAdapter(_ name: String) {
        for block in blocks { for t in Block.targetPaths.keys.sorted() { block.target(t)!.unmerge(name) } }
    }

    /// Frozen word embeddings of `ids` ([n, C]).
    public func wordEmbeddings(_ ids: [Int], on tape: Tape<Float>) -> Variable<Float> {
        tape.embedding(word, ids: ids)
    }

    /// Hidden states of every layer (index 0 = embeddings output) for token ids padded to the
    /// longest sequence; padded positions are masked out of attention.
    /// Every sequence must have at most `maxSequenceLength` ids (the tokenizers truncate to it).
    /// `firstPositions`: when set, the last layer computes only the first that many positions of
    /// each sequence (all keys still attend), so the last state is [B, firstPositions, C] and
    /// equals those rows of the full pass (a first-token classifier needs no more; the other
    /// rows of the last layer are a seventh of a MiniLM pass that PyTorch computes and drops).
    /// Under the exact product the kept rows, the gradients and the dropout stream are bit for
    /// bit those of the full pass, LoRA dropout included (`lastLayer`); under OpenBLAS they are
    /// equal up to float32 rounding (its sums over rows depend on the row count).
    public func forward(_ ids: [[Int]], adapter: String? = nil, firstPositions: Int? = nil, random: inout RandomStream,
                        on tape: Tape<Float>) -> [Variable<Float>] {
        let c = configuration
        let lengths = ids.map(\.count)
        let T = lengths.max() ?? 0
        let pad = c.padTokenId ?? 0
        let padded = ids.flatMap { $0 + [Int](repeating: pad, count: T - $0.count) }
        let embedded = tape.reshape(tape.embedding(word, ids: padded), [ids.count, T, c.hiddenSize])
        // RoBERTa counts only non-pad ids (a literal pad id inside a text keeps padding_idx too).
        var positions: [Int]? = nil
        if positionOffset > 0 {
            positions = ids.flatMap { sample -> [Int] in
                var count = 0
                let real = sample.map { id -> Int in
                    if id == pad { return pad }
                    count += 1
                    return pad + count
                }
                return real + [Int](repeating: pad, count: T - sample.count)
            }
        }
        return forward(inputEmbeddings: embedded, lengths: lengths, positions: positions, adapter: adapter,
                       firstPositions: firstPositions, random: &random, on: tape)
    }

    /// tanh(Wp h[:, 0] + bp) from the last hidden state [B, T, C] -> [B, C]; nil without a pooler.
    public func pooled(_ hidden: Variable<Float>, on tape: Tape<Float>) -> Variable<Float>? {
        guard let pooler else { return nil }
        let first = tape.reshape(tape.slice(hidden, axis: 1, 0..<1), [hidden.shape[0], hidden.shape[2]])
        return tape.tanh(pooler(first, on: tape))
    }

    /// The same from input embeddings [B, T, C] (transformers' inputs_embeds): positions, token
    /// type and LayerNorm are added here; `lengths` give each sample's valid positions.
    /// RoBERTa positions are padding_idx + 1 + t on valid positions and padding_idx on padding
    /// (what the ids path gives; transformers' inputs_embeds path numbers padding on instead,
    /// which only changes the masked padded rows).
    public func forward(inputEmbeddings: Variable<Float>, lengths: [Int], adapter: String?, firstPositions: Int? = nil,
                        random: inout RandomStream, on tape: Tape<Float>) -> [Variable<Float>] {
        forward(inputEmbeddings: inputEmbeddings, lengths: lengths, positions: nil, adapter: adapter, firstPositions: firstPositions,
                random: &random, on: tape)
    }

    /// `positions` [B*T]: explicit position ids, or nil for the defaults above.
    func forward(inputEmbeddings: Variable<Float>, lengths: [Int], positions: [Int]?, adapter: String?, firstPositions: Int?,
                 random: inout RandomStream, on tape: Tape<Float>) -> [Variable<Float>] {
        let c = configuration
        let B = inputEmbeddings.shape[0], T = inputEmbeddings.shape[1], C = c.hiddenSize, H = c.numAttentionHeads, D = C / H
        precondition(T <= maxSequenceLength, "sequence of \(T) tokens exceeds the model's \(maxSequenceLength)")
        if let firstPositions {
            precondition(firstPositions >= 1 && firstPositions <= T && fusedAttention,
                         "firstPositions \(firstPositions) needs 1...\(T) and the fused attention")
        }
        var h: Variable<Float>
        if positionOffset == 0 && positions == nil {
            h = tape.add(inputEmbeddings, tape.embedding(position, ids: Array(0..<T)))     // [T, C] broadcast over B
        } else {
            let pad = positionOffset - 1
            let ids = positions ?? lengths.flatMap { n in (0..<T).map { $0 < n ? positionOffset + $0 : pad } }
            h = tape.add(inputEmbeddings, tape.reshape(tape.embedding(position, ids: ids), [B, T, C]))
        }
        h = tape.add(h, tape.embedding(tokenType, ids: [0]))
        h = embeddingNorm(h, on: tape)
        var states = [h]
        let scale = 1 / Float(D).squareRoot()
        // Unfused reference path: additive mask [B*H, 1, T], 0 on real keys and the most negative
        // float on padding (as transformers' get_extended_attention_mask uses torch.finfo.min).
        var maskTensor = Tensor<Float>(zeros: [0])
        if !fusedAttention {
            var mask = [Float](repeating: 0, count: B * H * T)
            for b in 0..<B { for hh in 0..<H { for t in lengths[b]..<T { mask[(b * H + hh) * T + t] = -Float.greatestFiniteMagnitude } } }
            maskTensor = Tensor(shape: [B * H, 1, T], scalars: mask)
        }
        func addNorm(_ x: Variable<Float>, _ residual: Variable<Float>, _ norm: LayerNorm<Float>) -> Variable<Float> {
            tape.addLayerNorm(x, residual, gamma: norm.weight, beta: norm.bias, eps: norm.eps)      // LayerNorm(x + residual)
        }
        func heads(_ x: Variable<Float>) -> Variable<Float> {   // [B, T, C] -> [B*H, T, D]
            tape.reshape(tape.permute(tape.reshape(x, [B, T, H, D]), [0, 2, 1, 3]), [B * H, T, D])
        }
        for (index, block) in blocks.enumerated() {
            if let firstPositions, index == blocks.count - 1, firstPositions < T {
                states.append(lastLayer(block, h, firstPositions: firstPositions, lengths: lengths, heads: H, scale: scale,
                                        adapter: adapter, random: &random, on: tape))
                break
            }
            let q = block.query(h, active: adapter, random: &random, on: tape)                  // [B, T, C]
            let k = block.key(h, active: adapter, random: &random, on: tape)
            let v = block.value(h, active: adapter, random: &random, on: tape)
            let merged: Variable<Float>                                                          // [B, T, C]
            if fusedAttention {
                merged = tape.attention(query: q, key: k, value: v, heads: H, lengths: lengths, scale: scale)
            } else {
                let scores = tape.scale(tape.batchedMatmul(heads(q), heads(k), transposeB: true), scale)   // [B*H, T, T]
                let probabilities = tape.softmax(scores, additiveMask: maskTensor)
                let context = tape.batchedMatmul(probabilities, heads(v))                                // [B*H, T, D]
                merged = tape.reshape(tape.permute(tape.reshape(context, [B, H, T, D]), [0, 2, 1, 3]), [B, T, C])
            }
            h = addNorm(block.attentionOutput(merged, active: adapter, random: &random, on: tape), h, block.attentionNorm)
            let inner = tape.geluErf(block.intermediate(h, active: adapter, random: &random, on: tape))
            h = addNorm(block.output(inner, active: adapter, random: &random, on: tape), h, block.outputNorm)
            states.append(h)
        }
        return states
    }

    /// The last hidden state of packed input embeddings x [rows.rows, C] (PackedRows: sample b's
    /// rows.counts[b] positions back to back, rows.length the padded batch's T), computing no
    /// padded row: [rows.rows, C], or [rows.first(firstPositions).rows, C] with the last layer on
    /// each sample's first positions only (as `lastLayer`). Positions, token type, LayerNorm and
    /// the fused attention as in the padded pass. Under the exact product these rows, x's
    /// gradient, the LoRA gradients and the dropout stream are bit for bit those of the padded
    /// pass: every op but attention works row by row, attention runs each sample's own rows
    /// (the padded pass's padded queries only feed padded rows), the sums over rows (weight, bias
    /// and LayerNorm gradients) only lose the padded rows' exact-zero terms, the uses of x come
    /// in the padded pass's order, and dropout draws every padded mask and keeps the valid rows'
    /// (Tests/TextModelsTests/PackedRowsTests.swift). On a batch with 10-20% padding this is that
    /// much less encoder work, at the same bits.
    public func forward(packedEmbeddings x: Variable<Float>, rows: PackedRows, adapter: String?, firstPositions: Int? = nil,
                        random: inout RandomStream, on tape: Tape<Float>) -> Variable<Float> {
        let c = configuration
        let C = c.hiddenSize, H = c.numAttentionHeads, D = C / H
        precondition(x.shape == [rows.rows, C], "packed embeddings \(x.shape) are not [\(rows.rows), \(C)]")
        precondition(rows.length <= maxSequenceLength, "sequence of \(rows.length) tokens exceeds the model's \(maxSequenceLength)")
        precondition(fusedAttention, "the packed pass needs the fused attention")
        if let firstPositions { precondition(firstPositions >= 1, "firstPositions \(firstPositions) must be at least 1") }
        // BERT: position t; RoBERTa: padding_idx + 1 + t on valid positions (the padded pass's ids).
        let positionIds = rows.counts.flatMap { n in (0..<n).map { positionOffset + $0 } }
        var h = tape.add(x, tape.embedding(position, ids: positionIds))
        h = tape.add(h, tape.embedding(tokenType, ids: [0]))
        h = embeddingNorm(h, on: tape)
        let scale = 1 / Float(D).squareRoot()
        for (index, block) in blocks.enumerated() {
            let kept = index == blocks.count - 1 ? firstPositions.map { rows.first($0) } ?? rows : rows
            let q = block.query(h, active: adapter, random: &random, packed: rows, keeping: kept, on: tape)     // [kept, C]
            let k = block.key(h, active: adapter, random: &random, packed: rows, on: tape)                       // [rows, C]
            let v = block.value(h, active: adapter, random: &random, packed: rows, on: tape)
            let merged = tape.attention(query: q, key: k, value: v, heads: H, queryRows: kept, keyRows: rows, scale: scale)
            let attended = block.attentionOutput(merged, active: adapter, random: &random, packed: kept, on: tape)
            let residual = kept == rows ? h : tape.gatherRows(h, rows.indices(keeping: kept))
            let a = tape.addLayerNorm(attended, residual, gamma: block.attentionNorm.weight, beta: block.attentionNorm.bias,
                                      eps: block.attentionNorm.eps)
            let inner = tape.geluErf(block.intermediate(a, active: adapter, random: &random, packed: kept, on: tape))
            let out = block.output(inner, active: adapter, random: &random, packed: kept, on: tape)
            h = tape.addLayerNorm(out, a, gamma: block.outputNorm.weight, beta: block.outputNorm.bias, eps: block.outputNorm.eps)
        }
        return h
    }

    /// The last layer on the first `kept` positions of x [B, T, C] (keys and values from all
    /// T): [B, kept, C], bit for bit those rows of the full layer's output, and x's gradient
    /// and the LoRA gradients bit for bit the full layer's, under the exact product (whose output
    /// rows are independent and whose sums over rows only gain exact zeros from the rows left
    /// out). Three things make that hold: every use of x takes its own slice, recorded where the
    /// full layer uses x, so x's gradient adds the same terms in the same order (full layer:
    /// residual, value, key, query); LoRA dropout draws every mask of the full layer and keeps the
    /// kept rows' (LoRALinear firstPositions:of:); attention with fewer queries computes the same
    /// per-row products. Tests/TextModelsTests/FirstPositionsTests.swift checks all of it.
    func lastLayer(_ block: Block, _ x: Variable<Float>, firstPositions kept: Int, lengths: [Int], heads: Int, scale: Float,
                   adapter: String?, random: inout RandomStream, on tape: Tape<Float>) -> Variable<Float> {
        let T = x.shape[1]
        let q = block.query(x, active: adapter, random: &random, firstPositions: kept, of: T, on: tape)   // [B, kept, C]
        let k = block.key(x, active: adapter, random: &random, on: tape)                                  // [B, T, C]
        let v = block.value(x, active: adapter, random: &random, on: tape)
        let merged = tape.attention(query: q, key: k, value: v, heads: heads, lengths: lengths, scale: scale)
        let attended = block.attentionOutput(merged, active: adapter, random: &random, firstPositions: kept, of: T, on: tape)
        let residual = tape.slice(x, axis: 1, 0..<kept)
        let h = tape.addLayerNorm(attended, residual, gamma: block.attentionNorm.weight, beta: block.attentionNorm.bias,
                                  eps: block.attentionNorm.eps)
        let inner = tape.geluErf(block.intermediate(h, active: adapter, random: &random, firstPositions: kept, of: T, on: tape))
        let out = block.output(inner, active: adapter, random: &random, firstPositions: kept, of: T, on: tape)
        return tape.addLayerNorm(out, h, gamma: block.outputNorm.weight, beta: block.outputNorm.bias, eps: block.outputNorm.eps)
    }
}
