import Foundation

/// The fields of a transformers config.json that the encoder needs (BERT and RoBERTa).
public struct EncoderConfiguration: Codable, Equatable, Sendable {
    public var modelType: String
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var maxPositionEmbeddings: Int
    public var typeVocabSize: Int
    public var vocabSize: Int
    public var layerNormEps: Double
    public var hiddenAct: String
    public var padTokenId: Int?
    /// "absolute" (the only kind supported) or absent.
    public var positionEmbeddingType: String?

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size"
        case maxPositionEmbeddings = "max_position_embeddings", typeVocabSize = "type_vocab_size"
        case vocabSize = "vocab_size", layerNormEps = "layer_norm_eps", hiddenAct = "hidden_act", padTokenId = "pad_token_id"
        case positionEmbeddingType = "position_embedding_type"
    }

    public static func load(_ path: String) throws -> EncoderConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerError("\(path): cannot be read")
        }
        // The architecture first, so an unknown model (e.g. GPT-2 with n_embd) is named as such
        // rather than reported by its first missing field.
        struct Kind: Decodable { let model_type: String? }
        guard let kind = try? JSONDecoder().decode(Kind.self, from: data) else { throw TokenizerError("\(path): not valid JSON") }
        guard let modelType = kind.model_type else { throw TokenizerError("\(path): missing field 'model_type'") }
        guard modelType == "bert" || modelType == "roberta" else {
            throw TokenizerError("\(path): model_type '\(modelType)' is not supported (bert, roberta)")
        }
        let c: EncoderConfiguration
        do {
            c = try JSONDecoder().decode(EncoderConfiguration.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw TokenizerError("\(path): missing field '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw TokenizerError("\(path): field '\(field)' has the wrong type")
        } catch {
            throw TokenizerError("\(path): not valid JSON")
        }
        if let kind = c.positionEmbeddingType, kind != "absolute" {
            throw TokenizerError("\(path): position_embedding_type '\(kind)' is not supported (absolute)")
        }
        for (name, value) in [("hidden_size", c.hiddenSize), ("num_hidden_layers", c.numHiddenLayers),
                              ("num_attention_heads", c.numAttentionHeads), ("intermediate_size", c.intermediateSize),
                              ("max_position_embeddings", c.maxPositionEmbeddings), ("type_vocab_size", c.typeVocabSize),
                              ("vocab_size", c.vocabSize)] where value <= 0 {
            throw TokenizerError("\(path): \(name) must be positive, not \(value)")
        }
        guard c.hiddenAct == "gelu" else { throw TokenizerError("\(path): hidden_act '\(c.hiddenAct)' is not supported (gelu)") }
        guard c.hiddenSize % c.numAttentionHeads == 0 else {
            throw TokenizerError("\(path): hidden_size \(c.hiddenSize) is not a multiple of num_attention_heads \(c.numAttentionHeads)")
        }
        return c
    }
}
