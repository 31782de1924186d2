import Foundation
import Testing
import TestSupport
@testable import TextModels

/// The real MiniLM vocabulary and weights, fetched by `make minilm` (a prerequisite of make test).
enum MiniLM {
    static let directory = Fixtures.repositoryRoot.appendingPathComponent(".cache/models/all-minilm-l6-v2")
}

private struct TokenizerFixture: Decodable {
    struct Case: Decodable { let text: String; let ids: [Int]; let ids_max_16: [Int] }
    let cases: [Case]
}

@Suite("WordPiece tokenizer against transformers")
struct WordPieceTests {
    @Test func referenceSentenceFromREFERENCE() throws {
        let tok = try WordPieceTokenizer(vocabularyFile: MiniLM.directory.appendingPathComponent("vocab.txt").path)
        #expect(tok.encode("A man is eating food.") == [101, 1037, 2158, 2003, 5983, 2833, 1012, 102])
    }

    @Test func idsEqualTheReferenceExactly() throws {
        let tok = try WordPieceTokenizer(vocabularyFile: MiniLM.directory.appendingPathComponent("vocab.txt").path)
        let data = try Data(contentsOf: Fixtures.url("text/wordpiece_minilm.json"))
        let fixture = try JSONDecoder().decode(TokenizerFixture.self, from: data)
        #expect(fixture.cases.count == 14)
        for c in fixture.cases {
            #expect(tok.encode(c.text) == c.ids, "ids of \(c.text.prefix(40).debugDescription)")
            #expect(tok.encode(c.text, maxLength: 16) == c.ids_max_16, "truncated ids of \(c.text.prefix(40).debugDescription)")
        }
    }

    @Test func aVocabularyWithoutSpecialTokensIsAnError() throws {
        let dir = try Fixtures.temporaryDirectory()
        let path = dir.appendingPathComponent("vocab.txt").path
        try Data("[PAD]\nhello\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: TokenizerError("\(path): vocabulary has no [UNK] token")) { try WordPieceTokenizer(vocabularyFile: path) }
    }
}

@Suite("Safetensors reader")
struct SafetensorsTests {
    @Test func miniLMWeightsLoadWithTheirShapes() throws {
        let file = try SafetensorsFile(path: MiniLM.directory.appendingPathComponent("model.safetensors").path)
        let floats = try file.floatTensors()
        // REFERENCE.md section 3: 103 F32 tensors plus the I64 position_ids, which is skipped.
        #expect(floats.count == 103)
        #expect(file.entries["embeddings.position_ids"]?.dtype == "I64")
        let byName = Dictionary(uniqueKeysWithValues: floats.map { ($0.0, $0.1.shape) })
        #expect(byName["embeddings.word_embeddings.weight"] == [30522, 384])
        #expect(byName["encoder.layer.5.attention.self.query.weight"] == [384, 384])
        #expect(byName["encoder.layer.0.intermediate.dense.weight"] == [1536, 384])
        #expect(throws: SafetensorsError.self) { try file.tensor("embeddings.position_ids") }
    }

    @Test func halfPrecisionIsWidenedAndBadHeadersAreOneLineErrors() throws {
        let dir = try Fixtures.temporaryDirectory()
        func write(_ header: String, _ payload: [UInt8]) throws -> String {
            var d = Data()
            withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { d.append(contentsOf: $0) }
            d.append(contentsOf: Array(header.utf8))
            d.append(contentsOf: payload)
            let path = dir.appendingPathComponent("t\(header.count).safetensors").path
            try d.write(to: URL(fileURLWithPath: path))
            return path
        }
        // F16 1.0 = 0x3C00, BF16 -2.0 = 0xC000 (little-endian bytes).
        let good = try write(#"{"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[2,4]}}"#,
                             [0x00, 0x3C, 0x00, 0xC0])
        let f = try SafetensorsFile(path: good)
        #expect(try f.tensor("h").scalars == [1.0])
        #expect(try f.tensor("b").scalars == [-2.0])
        let short = try write(#"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, [0, 0, 0, 0])
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(path: short) }
        let notJSON = try write("{not json", [])
        #expect(throws: SafetensorsError("\(notJSON): header is not a JSON object")) { try SafetensorsFile(path: notJSON) }
    }
}
