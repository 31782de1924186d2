import Foundation
import Testing
import TestSupport
@testable import TextModels

private struct TinyTokenizerFixture: Decodable {
    struct Case: Decodable { let text: String; let ids: [Int]; let ids_max_16: [Int] }
    struct Pair: Decodable { let first: String; let second: String; let ids: [Int]; let ids_max_16: [Int] }
    struct Tokenizer: Decodable { let cases: [Case]?; let pairs: [Pair] }
    let tokenizers: [String: Tokenizer]

    static func load() throws -> TinyTokenizerFixture {
        try JSONDecoder().decode(TinyTokenizerFixture.self, from: Data(contentsOf: Fixtures.url("text/tiny_tokenizers.json")))
    }
}

/// Every case and pair of `name` in tiny_tokenizers.json through `tok`.
private func expectFixture(_ tok: any TextTokenizer, _ name: String, _ how: String) throws {
    let fixture = try #require(try TinyTokenizerFixture.load().tokenizers[name])
    for c in fixture.cases ?? [] {
        #expect(tok.encode(c.text, maxLength: 512) == c.ids, "\(how): ids of \(c.text.prefix(40).debugDescription)")
        #expect(tok.encode(c.text, maxLength: 16) == c.ids_max_16, "\(how): truncated ids of \(c.text.prefix(40).debugDescription)")
    }
    for p in fixture.pairs {
        #expect(tok.encodePair(p.first, p.second, maxLength: 512) == p.ids, "\(how): pair \(p.first.prefix(20).debugDescription)")
        #expect(tok.encodePair(p.first, p.second, maxLength: 16) == p.ids_max_16,
                "\(how): truncated pair \(p.first.prefix(20).debugDescription)")
    }
}

@Suite("Byte-level BPE and WordPiece tokenizers against transformers (tiny vocabularies)")
struct BPETokenizerTests {
    @Test func byteLevelBPEFromVocabAndMergesEqualsTheReference() throws {
        let dir = Fixtures.url("text/tiny-roberta").path
        let tok = try ByteLevelBPETokenizer(vocabularyFile: dir + "/vocab.json", mergesFile: dir + "/merges.txt")
        #expect((tok.begin, tok.padding, tok.end, tok.unknown) == (0, 1, 2, 3))
        #expect(try TinyTokenizerFixture.load().tokenizers["tiny-roberta"]?.cases?.count == 16)
        try expectFixture(tok, "tiny-roberta", "vocab.json + merges.txt")
        try expectFixture(try loadTokenizer(directory: dir), "tiny-roberta", "loadTokenizer")
    }

    @Test func byteLevelBPEFromTokenizerJSONEqualsTheReference() throws {
        let tok = try tokenizerFromJSON(Fixtures.url("text/tiny-roberta/tokenizer.json").path)
        #expect(tok is ByteLevelBPETokenizer)
        try expectFixture(tok, "tiny-roberta", "tokenizer.json")
    }

    @Test func wordPieceFromVocabTxtAndTokenizerJSONEqualsTheReference() throws {
        let dir = Fixtures.url("text/tiny-bert").path
        try expectFixture(try WordPieceTokenizer(vocabularyFile: dir + "/vocab.txt"), "tiny-bert", "vocab.txt")
        let fromJSON = try tokenizerFromJSON(dir + "/tokenizer.json")
        #expect(fromJSON is WordPieceTokenizer)
        try expectFixture(fromJSON, "tiny-bert", "tokenizer.json")
    }

    @Test func miniLMPairsEqualTheReference() throws {
        try expectFixture(try WordPieceTokenizer(vocabularyFile: MiniLM.directory.appendingPathComponent("vocab.txt").path), "minilm", "MiniLM vocab.txt")
        try expectFixture(try tokenizerFromJSON(MiniLM.directory.appendingPathComponent("tokenizer.json").path), "minilm", "MiniLM tokenizer.json")
    }

    @Test func gpt2PreTokenizerSplitsAsTheRegexDoes() {
        // Hand-derived from the pattern: contractions, a space joins the following word, a
        // whitespace run leaves its last space to the next word, trailing whitespace stays whole.
        #expect(ByteLevelBPETokenizer.preTokenize("Hello world's  end!!  ") == ["Hello", " world", "'s", " ", " end", "!!", "  "])
        #expect(ByteLevelBPETokenizer.preTokenize("a\n\nb 12x") == ["a", "\n", "\n", "b", " 12", "x"])
        #expect(ByteLevelBPETokenizer.preTokenize("") == [])
        #expect(ByteLevelBPETokenizer.byteCharacters[32] == "Ġ" && ByteLevelBPETokenizer.byteCharacters[65] == "A")
    }

    @Test func badTokenizerFilesAreOneLineErrors() throws {
        let dir = try Fixtures.temporaryDirectory()
        let vocab = dir.appendingPathComponent("vocab.json").path, merges = dir.appendingPathComponent("merges.txt").path
        try Data("#version: 0.2\n".utf8).write(to: URL(fileURLWithPath: merges))
        #expect(throws: TokenizerError("\(vocab): cannot be read")) { try loadTokenizer(directory: dir.path) }
        try Data("[1, 2]".utf8).write(to: URL(fileURLWithPath: vocab))
        #expect(throws: TokenizerError("\(vocab): not a JSON object of token ids")) { try loadTokenizer(directory: dir.path) }
        try Data(#"{"<s>": 0, "</s>": 1, "<pad>": 2, "a": 3, "b": 4}"#.utf8).write(to: URL(fileURLWithPath: vocab))
        try Data("#version: 0.2\na b\nab\n".utf8).write(to: URL(fileURLWithPath: merges))
        #expect(throws: TokenizerError("\(merges):3: not a merge of two tokens separated by one space")) {
            try loadTokenizer(directory: dir.path)
        }
        try Data(#"{"<s>": 0, "a": 3}"#.utf8).write(to: URL(fileURLWithPath: vocab))
        try Data("#version: 0.2\na b\n".utf8).write(to: URL(fileURLWithPath: merges))
        #expect(throws: TokenizerError("\(vocab): vocabulary has no </s> token")) { try loadTokenizer(directory: dir.path) }
        let empty = try Fixtures.temporaryDirectory("empty")
        #expect(throws: TokenizerError("\(empty.path): no tokenizer files (vocab.json + merges.txt, vocab.txt or tokenizer.json)")) {
            try loadTokenizer(directory: empty.path)
        }
        let json = empty.appendingPathComponent("tokenizer.json")
        try Data(#"{"model": {"type": "Unigram", "vocab": {}}}"#.utf8).write(to: json)
        #expect(throws: TokenizerError("\(json.path): tokenizer model type 'Unigram' is not supported (WordPiece, BPE)")) {
            try loadTokenizer(directory: empty.path)
        }
    }
}
