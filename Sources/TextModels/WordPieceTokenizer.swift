import Foundation

// BERT's uncased WordPiece tokenizer, as transformers' BertTokenizer(Fast) with
// do_lower_case=True runs it (google-research/bert tokenization.py: BasicTokenizer, then
// WordpieceTokenizer):
//   1. clean: drop NUL, U+FFFD and control characters; every whitespace character becomes a space;
//   2. put spaces around CJK ideographs (the CJK Unified Ideographs blocks, not Hangul or kana);
//   3. split on whitespace; lower-case; strip accents (NFD, then drop nonspacing marks, Mn);
//   4. split off every punctuation character (ASCII symbols 33-47, 58-64, 91-96, 123-126, and
//      Unicode categories P*) as its own token;
//   5. WordPiece: greedy longest match first, continuation pieces prefixed "##"; a word longer
//      than 100 characters, or one that cannot be covered, becomes [UNK].
// Encoding adds [CLS] ... [SEP] and truncates the pieces so the whole fits `maxLength`.

public struct TokenizerError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public struct WordPieceTokenizer: TextTokenizer {
    public let vocabulary: [String: Int]
    public let unknown: Int
    public let classification: Int
    public let separator: Int
    public let padding: Int
    static let maxWordCharacters = 100

    /// Reads vocab.txt (one token per line; the line number is the id).
    public init(vocabularyFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw TokenizerError("\(path): cannot be read as UTF-8")
        }
        var vocabulary: [String: Int] = [:]
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let token = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
            if token.isEmpty && i > 0 { continue }
            if vocabulary[token] == nil { vocabulary[token] = i }
        }
        try self.init(vocabulary: vocabulary, source: path)
    }

    /// From a token -> id map (tokenizer.json's model.vocab); `source` names it in errors.
    public init(vocabulary: [String: Int], source path: String) throws {
        func special(_ t: String) throws -> Int {
            guard let id = vocabulary[t] else { throw TokenizerError("\(path): vocabulary has no \(t) token") }
            return id
        }
        self.vocabulary = vocabulary
        unknown = try special("[UNK]")
        classification = try special("[CLS]")
        separator = try special("[SEP]")
        padding = try special("[PAD]")
    }

    /// Token ids with [CLS] and [SEP], truncated to `maxLength` ids in all.
    public func encode(_ text: String, maxLength: Int = 512) -> [Int] {
        let pieces = tokenize(text)
        return [classification] + pieces.prefix(max(0, maxLength - 2)) + [separator]
    }

    /// [CLS] A [SEP] B [SEP], the longer side shortened first to fit `maxLength`.
    public func encodePair(_ first: String, _ second: String, maxLength: Int = 512) -> [Int] {
        let (a, b) = truncateLongestFirst(tokenize(first), tokenize(second), budget: maxLength - 3)
        return [classification] + a + [separator] + b + [separator]
    }

    /// WordPiece ids of `text` without special tokens.
    public func tokenize(_ text: String) -> [Int] {
        basicTokens(text).flatMap(wordPieces)
    }

    // MARK: - Basic tokenization

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch s.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate, .unassigned: return true
        default: return false
        }
    }

    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s == " " || s == "\t" || s == "\n" || s == "\r" || s.properties.generalCategory == .spaceSeparator
    }

    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    static func isCJK(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        return (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B820...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }

    func basicTokens(_ text: String) -> [String] {
        var cleaned = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if s.value == 0 || s.value == 0xFFFD || Self.isControl(s) { continue }
            if Self.isWhitespace(s) { cleaned.append(" ") }
            else if Self.isCJK(s) { cleaned.append(" "); cleaned.append(s); cleaned.append(" ") }
            else { cleaned.append(s) }
        }
        var tokens: [String] = []
        for word in String(cleaned).split(separator: " ") {
            let lowered = String(word).lowercased().decomposedStringWithCanonicalMapping
            var current = String.UnicodeScalarView()
            for s in lowered.unicodeScalars where s.properties.generalCategory != .nonspacingMark {
                if Self.isPunctuation(s) {
                    if !current.isEmpty { tokens.append(String(current)); current = String.UnicodeScalarView() }
                    tokens.append(String(s))
                } else {
                    current.append(s)
                }
            }
            if !current.isEmpty { tokens.append(String(current)) }
        }
        return tokens
    }

    // MARK: - WordPiece

    func wordPieces(_ word: String) -> [Int] {
        let chars = Array(word.unicodeScalars)
        if chars.count > Self.maxWordCharacters { return [unknown] }
        var pieces: [Int] = []
        var start = 0
        while start < chars.count {
            var end = chars.count
            var found: Int?
            while start < end {
                var piece = String(String.UnicodeScalarView(chars[start..<end]))
                if start > 0 { piece = "##" + piece }
                if let id = vocabulary[piece] { found = id; break }
                end -= 1
            }
            guard let id = found else { return [unknown] }
            pieces.append(id)
            start = end
        }
        return pieces
    }
}
