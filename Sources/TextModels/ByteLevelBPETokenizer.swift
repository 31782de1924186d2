import Foundation

// Byte-level BPE as GPT-2 and RoBERTa use it (Radford et al. 2019, openai/gpt-2 src/encoder.py;
// transformers' RobertaTokenizer(Fast), tokenizers' ByteLevel pre-tokenizer and BPE model):
//   1. pre-tokenize with GPT-2's pattern, on Unicode scalars, first alternative that matches wins:
//        's|'t|'re|'ve|'m|'ll|'d | ' '?\p{L}+ | ' '?\p{N}+ | ' '?[^\s\p{L}\p{N}]+ | \s+(?!\S) | \s+
//      (\s = the White_Space property; a whitespace run before a word leaves its last space to
//      the word, which then starts with 'Ġ');
//   2. map each pre-token's UTF-8 bytes to printable characters (bytes_to_unicode: printable
//      Latin-1 bytes stand for themselves, the other 68 bytes become U+0100 + n in byte order);
//   3. BPE: repeatedly merge the adjacent pair with the lowest rank in merges.txt (every
//      occurrence of it, left to right) until no pair has a rank; look the pieces up in vocab.json.
// Encoding: <s> A </s>, pairs <s> A </s></s> B </s> (RobertaProcessing); add_prefix_space false.
// NOTE: special-token strings written inside the text ("<mask>") are tokenized as plain text;
// transformers would match them as added tokens.

public struct ByteLevelBPETokenizer: TextTokenizer {
    public let vocabulary: [String: Int]
    /// Merge ranks by pair "left right" (rank = line order in merges.txt).
    let ranks: [String: Int]
    public let begin: Int, end: Int, padding: Int, unknown: Int?

    /// Reads vocab.json (token -> id) and merges.txt ("#version" line, then "left right" lines).
    public init(vocabularyFile: String, mergesFile: String) throws {
        guard let data = FileManager.default.contents(atPath: vocabularyFile) else { throw TokenizerError("\(vocabularyFile): cannot be read") }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TokenizerError("\(vocabularyFile): not a JSON object of token ids")
        }
        var vocabulary: [String: Int] = [:]
        for (token, value) in object {
            guard let id = value as? Int else { throw TokenizerError("\(vocabularyFile): token \(token.debugDescription) has no integer id") }
            vocabulary[token] = id
        }
        guard let mergesData = FileManager.default.contents(atPath: mergesFile), let text = String(data: mergesData, encoding: .utf8) else {
            throw TokenizerError("\(mergesFile): cannot be read as UTF-8")
        }
        var merges: [(String, String)] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let l = line.hasSuffix("\r") ? line.dropLast() : line[...]
            if l.isEmpty || (n == 0 && l.hasPrefix("#version")) { continue }
            let parts = l.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw TokenizerError("\(mergesFile):\(n + 1): not a merge of two tokens separated by one space")
            }
            merges.append((String(parts[0]), String(parts[1])))
        }
        try self.init(vocabulary: vocabulary, merges: merges, source: vocabularyFile)
    }

    /// From an in-memory vocabulary and merge list (tokenizer.json's model section).
    public init(vocabulary: [String: Int], merges: [(String, String)], source: String) throws {
        func special(_ t: String) throws -> Int {
            guard let id = vocabulary[t] else { throw TokenizerError("\(source): vocabulary has no \(t) token") }
            return id
        }
        self.vocabulary = vocabulary
        var ranks: [String: Int] = [:]
        for (rank, (a, b)) in merges.enumerated() where ranks[a + " " + b] == nil { ranks[a + " " + b] = rank }
        self.ranks = ranks
        begin = try special("<s>")
        end = try special("</s>")
        padding = try special("<pad>")
        unknown = vocabulary["<unk>"]
    }

    /// <s> pieces </s>, the pieces truncated so the whole fits `maxLength`.
    public func encode(_ text: String, maxLength: Int = 512) -> [Int] {
        [begin] + tokenize(text).prefix(max(0, maxLength - 2)) + [end]
    }

    /// <s> A </s></s> B </s>, the longer side shortened first to fit `maxLength`.
    public func encodePair(_ first: String, _ second: String, maxLength: Int = 512) -> [Int] {
        let (a, b) = truncateLongestFirst(tokenize(first), tokenize(second), budget: maxLength - 4)
        return [begin] + a + [end, end] + b + [end]
    }

    /// BPE ids of `text` without special tokens.
    public func tokenize(_ text: String) -> [Int] {
        Self.preTokenize(text).flatMap { word -> [Int] in
            bpe(Array(word.utf8).map { Self.byteCharacters[Int($0)] }).compactMap { vocabulary[$0] ?? unknown }
        }
    }

    // MARK: - Pre-tokenization (GPT-2 pattern)

    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    static func isNumber(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    static func isSpace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace }

    static let contractions = ["s", "t", "re", "ve", "m", "ll", "d"].map { Array($0.unicodeScalars) }

    /// The pre-tokens of `text`, in order, covering it exactly.
    static func preTokenize(_ text: String) -> [String] {
        let s = Array(text.unicodeScalars)
        var out: [String] = []
        var i = 0
        func run(from j: Int, _ inClass: (Unicode.Scalar) -> Bool) -> Int {
            var k = j
            while k < s.count && inClass(s[k]) { k += 1 }
            return k
        }
        let other: (Unicode.Scalar) -> Bool = { !isSpace($0) && !isLetter($0) && !isNumber($0) }
        while i < s.count {
            var end: Int? = nil
            if s[i] == "'" {
                for c in contractions where i + 1 + c.count <= s.count && Array(s[(i + 1)..<(i + 1 + c.count)]) == c {
                    end = i + 1 + c.count
                    break
                }
            }
            if end == nil {
                for inClass in [isLetter, isNumber, other] {
                    let start = s[i] == " " && i + 1 < s.count && inClass(s[i + 1]) ? i + 1 : i
                    let k = run(from: start, inClass)
                    if k > start { end = k; break }
                }
            }
            if end == nil {
                // \s+(?!\S): the whitespace run, minus its last character when a non-space follows;
                // otherwise \s+ takes the single character.
                let k = run(from: i, isSpace)
                end = k == s.count ? k : (k - 1 > i ? k - 1 : i + 1)
            }
            out.append(String(String.UnicodeScalarView(s[i..<end!])))
            i = end!
        }
        return out
    }

    // MARK: - Byte-to-unicode and BPE

    /// bytes_to_unicode: byte b -> the character that stands for it in vocab.json and merges.txt.
    static let byteCharacters: [String] = {
        var table = [String](repeating: "", count: 256)
        var n = 0
        for b in 0..<256 {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            let scalar = printable ? b : 256 + n
            if !printable { n += 1 }
            table[b] = String(Character(Unicode.Scalar(UInt32(scalar))!))
        }
        return table
    }()

    /// Merges the symbols of one pre-token by rank (openai/gpt-2 encoder.py `bpe`).
    func bpe(_ symbols: [String]) -> [String] {
        var word = symbols
        while word.count > 1 {
            var best: (rank: Int, left: String, right: String)? = nil
            for j in 0..<(word.count - 1) {
                if let r = ranks[word[j] + " " + word[j + 1]], r < best?.rank ?? Int.max { best = (r, word[j], word[j + 1]) }
            }
            guard let (_, left, right) = best else { break }
            var merged: [String] = []
            merged.reserveCapacity(word.count)
            var j = 0
            while j < word.count {
                if j + 1 < word.count && word[j] == left && word[j + 1] == right {
                    merged.append(left + right)
                    j += 2
                } else {
                    merged.append(word[j])
                    j += 1
                }
            }
            word = merged
        }
        return word
    }
}

/// Shortens the longer of two token lists one token at a time (ties: the second) until both fit
/// `budget` (transformers' truncation="longest_first").
func truncateLongestFirst(_ a: [Int], _ b: [Int], budget: Int) -> ([Int], [Int]) {
    var (n, m) = (a.count, b.count)
    let limit = max(0, budget)
    while n + m > limit {
        if n > m { n -= 1 } else { m -= 1 }
    }
    return (Array(a.prefix(n)), Array(b.prefix(m)))
}
