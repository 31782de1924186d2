import Autograd
import Foundation
import HDF5Storage
import SeededRandom
import Testing
import TestSupport
@testable import TextModels

@Suite("BERT encoder against transformers (real MiniLM-L6 weights)")
struct BertEncoderTests {
    @Test func hiddenStatesOfEveryLayerMatch() throws {
        let fixture = try HDF5Reader(path: Fixtures.url("text/minilm_hidden_states.h5").path)
        let ids = try fixture.read(Int32.self, "input_ids")
        let lengths = try fixture.read(Int32.self, "lengths").values.map(Int.init)
        let reference = try fixture.read(Float.self, "hidden_states")       // [L+1, B, T, C]
        let (b, t) = (ids.shape[0], ids.shape[1])
        let batch = (0..<b).map { i in (0..<lengths[i]).map { Int(ids.values[i * t + $0]) } }
        // Our tokenizer gives the same ids (the padding is ours to add).
        let tokenizer = try WordPieceTokenizer(vocabularyFile: MiniLM.directory.appendingPathComponent("vocab.txt").path)
        #expect(tokenizer.encode("A man is eating food.") == batch[0])
        let encoder = try BertEncoder(directory: MiniLM.directory.path)
        var unused = RandomStream(state: 0)
        let states = encoder.forward(batch, random: &unused, on: Tape(recording: false))
        #expect(states.count == reference.shape[0])
        let per = b * t * 384
        for (layer, state) in states.enumerated() {
            // float32 sums over 384-1536 terms in another order, six layers deep: 1e-4 absolute
            // on values of order 1 (the issue's figure).
            expectClose(state.value.scalars, Array(reference.values[(layer * per)..<((layer + 1) * per)]), atol: 1e-4,
                        shape: state.shape, "hidden states after layer \(layer) (float32 order of summation)")
        }
    }

    @Test func badModelFilesAreOneLineErrors() throws {
        let dir = try Fixtures.temporaryDirectory()
        #expect(throws: TokenizerError("\(dir.path)/config.json: cannot be read")) { try BertEncoder(directory: dir.path) }
        try Data(#"{"model_type": "gpt2", "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 8, "max_position_embeddings": 8, "type_vocab_size": 1, "vocab_size": 8, "layer_norm_eps": 1e-5, "hidden_act": "gelu"}"#.utf8)
            .write(to: dir.appendingPathComponent("config.json"))
        #expect(throws: TokenizerError("\(dir.path)/config.json: model_type 'gpt2' is not supported (bert, roberta)")) {
            try BertEncoder(directory: dir.path)
        }
        try Data(#"{"model_type": "bert"}"#.utf8).write(to: dir.appendingPathComponent("config.json"))
        #expect(throws: TokenizerError("\(dir.path)/config.json: missing field 'hidden_size'")) { try BertEncoder(directory: dir.path) }
    }
}
