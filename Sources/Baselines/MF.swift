// MF (matrix factorisation), the collaborative model CoLLM and CCF-LLM build on (issue 27, point 2)
// Paper: Y. Koren, R. Bell, C. Volinsky, "Matrix Factorization Techniques for Recommender
//   Systems", IEEE Computer 2009 (the inner-product model, here without bias terms).
// Reference code: CoLLM (Zhang et al. 2023), minigpt4/models/rec_base_models.py
//   MatrixFactorization: a user and an item embedding table, logit = <user embedding, item
//   embedding>, no bias terms ("here we does not consider the bias term"); trained by
//   baseline_train_mf_ood.py with BCEWithLogitsLoss on the (user, item, label) samples, Adam with
//   weight decay, early stopping on validation AUC. That pointwise BCE is the objective here too
//   (not BPR over sampled negatives), and it is also the scoring protocol's loss.
// Initialisation: torch.nn.Embedding's default N(0, 1), which CoLLM keeps (settings: initStd).
// NOTE (deviation): users without a training sample (most test users of the few-shot split)
//   share one trained unknown-user embedding, row 0, as items do (ScoringProtocol.swift); CoLLM
//   has no rule for them (its cold users keep an embedding that never trained). Training users
//   are rows 1...U. CoLLM's padding_idx 0 (a zero, frozen row) has no use without padding.
// NOTE: MF reads no history: it scores the user, not the sequence, so an empty history does not
//   give logit 0 as it does for the other baselines.
// Shapes: U training users (+1 unknown), I item indices, C embedding size.

import Autograd
import Foundation
import SeededRandom
import TensorCore

public struct MFConfig: Sendable, Equatable, Codable {
    public var embeddingSize: Int = 64   // CoLLM's ml-100k MF checkpoint (d64; its ml-1m one is d256)
    public var initStd: Float = 1        // torch.nn.Embedding's N(0, 1)
    public init(embeddingSize: Int = 64, initStd: Float = 1) {
        self.embeddingSize = embeddingSize
        self.initStd = initStd
    }
}

public struct MF: SequenceScorer {
    public let name = "MF"
    public let config: MFConfig
    let userEmbedding: Variable<Float>  // [U + 1, C], row 0 the unknown user
    let itemEmbedding: Variable<Float>  // [I, C]

    public init(config: MFConfig, userCount: Int, itemCount: Int, random: inout RandomStream) {
        self.config = config
        let c = config.embeddingSize
        func normal(_ name: String, _ rows: Int) -> Variable<Float> {
            var v = [Float](repeating: 0, count: rows * c)
            random.fillNormal(&v, mean: 0, std: config.initStd)
            return parameter(name, [rows, c], v)
        }
        userEmbedding = normal("user_embedding.weight", userCount + 1)
        itemEmbedding = normal("item_embedding.weight", itemCount)
    }

    public var namedParameters: [(String, Variable<Float>)] {
        [("user_embedding.weight", userEmbedding), ("item_embedding.weight", itemEmbedding)]
    }

    /// Row of a sample's user: 1 + its training-user index, or 0 for a user without one.
    static func userRow(_ sample: BaselineSample) -> Int { sample.user.map { $0 + 1 } ?? 0 }

    public func logits(_ batch: [BaselineSample], on tape: Tape<Float>) -> Variable<Float> {
        let u = tape.embedding(userEmbedding, ids: batch.map(Self.userRow))
        let v = tape.embedding(itemEmbedding, ids: batch.map(\.target))
        return tape.protocolLogits(u, v, hasHistory: batch.map { _ in true })
    }
}
