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

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size"
        case maxPositionEmbeddings = "max_position_embeddings", typeVocabSize = "type_vocab_size"
        case vocabSize = "vocab_size", layerNormEps = "layer_norm_eps", hiddenAct = "hidden_act", padTokenId = "pad_token_id"
    }

    public static func load(_ path: String) throws -> EncoderConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerError("\(path): cannot be read")
        }
        let c: EncoderConfiguration
        do {
            c = try JSONDecoder().decode(EncoderConfiguration.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw TokenizerError("\(path): missing field '\(key.stringValue)'")
        } catch {
            throw TokenizerError("\(path): not a valid config.json (\(error.localizedDescription))")
        }
        guard c.modelType == "bert" || c.modelType == "roberta" else {
            throw TokenizerError("\(path): model_type '\(c.modelType)' is not supported (bert, roberta)")
        }
        guard c.hiddenAct == "gelu" else { throw TokenizerError("\(path): hidden_act '\(c.hiddenAct)' is not supported (gelu)") }
        guard c.hiddenSize % c.numAttentionHeads == 0 else {
            throw TokenizerError("\(path): hidden_size \(c.hiddenSize) is not a multiple of num_attention_heads \(c.numAttentionHeads)")
        }
        return c
    }
}
