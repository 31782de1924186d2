import Foundation

/// A tokenizer that turns text into a model's input ids with its special tokens.
public protocol TextTokenizer: Sendable {
    /// The id used to pad sequences to a common length.
    var padding: Int { get }
    /// Ids of one text with the model's special tokens, truncated to `maxLength` ids in all.
    func encode(_ text: String, maxLength: Int) -> [Int]
    /// Ids of a text pair with the model's special tokens, the longer side truncated first.
    func encodePair(_ first: String, _ second: String, maxLength: Int) -> [Int]
    /// Ids without special tokens.
    func tokenize(_ text: String) -> [Int]
}

/// Loads the tokenizer of a model folder: byte-level BPE from vocab.json + merges.txt, WordPiece
/// from vocab.txt, else whichever model tokenizer.json describes (type "BPE" or "WordPiece").
public func loadTokenizer(directory: String) throws -> any TextTokenizer {
    let fm = FileManager.default
    let path = { (name: String) in directory + "/" + name }
    if fm.fileExists(atPath: path("vocab.json")) || fm.fileExists(atPath: path("merges.txt")) {
        return try ByteLevelBPETokenizer(vocabularyFile: path("vocab.json"), mergesFile: path("merges.txt"))
    }
    if fm.fileExists(atPath: path("vocab.txt")) { return try WordPieceTokenizer(vocabularyFile: path("vocab.txt")) }
    if fm.fileExists(atPath: path("tokenizer.json")) { return try tokenizerFromJSON(path("tokenizer.json")) }
    throw TokenizerError("\(directory): no tokenizer files (vocab.json + merges.txt, vocab.txt or tokenizer.json)")
}

/// The model section of a tokenizers tokenizer.json: {"model": {"type": "WordPiece"|"BPE",
/// "vocab": {token: id}, "merges": ["a b", ...] or [["a", "b"], ...]}}.
public func tokenizerFromJSON(_ path: String) throws -> any TextTokenizer {
    guard let data = FileManager.default.contents(atPath: path) else { throw TokenizerError("\(path): cannot be read") }
    guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw TokenizerError("\(path): not a JSON object") }
    guard let model = root["model"] as? [String: Any], let type = model["type"] as? String else {
        throw TokenizerError("\(path): missing field 'model.type'")
    }
    guard let rawVocabulary = model["vocab"] as? [String: Any] else { throw TokenizerError("\(path): missing field 'model.vocab'") }
    var vocabulary: [String: Int] = [:]
    for (token, value) in rawVocabulary {
        guard let id = value as? Int else { throw TokenizerError("\(path): model.vocab entry \(token.debugDescription) has no integer id") }
        vocabulary[token] = id
    }
    switch type {
    case "WordPiece":
        return try WordPieceTokenizer(vocabulary: vocabulary, source: path)
    case "BPE":
        guard let rawMerges = model["merges"] as? [Any] else { throw TokenizerError("\(path): missing field 'model.merges'") }
        var merges: [(String, String)] = []
        for (n, m) in rawMerges.enumerated() {
            if let pair = m as? [String], pair.count == 2 {
                merges.append((pair[0], pair[1]))
            } else if let line = m as? String, case let parts = line.split(separator: " ", omittingEmptySubsequences: false), parts.count == 2 {
                merges.append((String(parts[0]), String(parts[1])))
            } else {
                throw TokenizerError("\(path): model.merges[\(n)] is not a pair of tokens")
            }
        }
        return try ByteLevelBPETokenizer(vocabulary: vocabulary, merges: merges, source: path)
    default:
        throw TokenizerError("\(path): tokenizer model type '\(type)' is not supported (WordPiece, BPE)")
    }
}
