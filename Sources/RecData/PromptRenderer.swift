import Foundation

// The instruction prompt of the paper's Table I, after TALLRec's: an instruction, the titles the
// user liked ("User Preference") and disliked ("User Unpreference"), and the target title. The
// template lives in paper/prompt_template.txt with the placeholders {liked}, {disliked} and
// {target}; titles are quoted ("Title") and joined with ", ". When the rendered prompt is longer
// than the model allows, the oldest history titles are dropped first (liked and disliked
// together, in time order) until it fits; the token count of the result is reported.

public struct PromptRenderer: Sendable {
    public let template: String

    public init(template: String) throws {
        for p in ["{liked}", "{disliked}", "{target}"] where !template.contains(p) {
            throw DataError("prompt template: missing placeholder \(p)")
        }
        self.template = template
    }

    public init(templateFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw DataError("\(path): cannot be read as UTF-8")
        }
        try self.init(template: text.hasSuffix("\n") ? String(text.dropLast()) : text)
    }

    static func quoted(_ titles: [String]) -> String {
        titles.map { "\"\($0)\"" }.joined(separator: ", ")
    }

    /// The prompt for history titles (oldest first, with like flags) and a target title.
    public func render(history: [(title: String, liked: Bool)], target: String) -> String {
        template.replacingOccurrences(of: "{liked}", with: Self.quoted(history.filter(\.liked).map(\.title)))
            .replacingOccurrences(of: "{disliked}", with: Self.quoted(history.filter { !$0.liked }.map(\.title)))
            .replacingOccurrences(of: "{target}", with: "\"\(target)\"")
    }

    /// The longest suffix of the history whose prompt has at most `maxTokens` tokens by `count`,
    /// with the prompt and its token count. With no history left it returns the bare prompt
    /// (whose tokens the caller truncates).
    public func fitted(history: [(title: String, liked: Bool)], target: String, maxTokens: Int,
                       count: (String) -> Int) -> (prompt: String, tokens: Int, droppedTitles: Int) {
        var dropped = 0
        while true {
            let prompt = render(history: Array(history.dropFirst(dropped)), target: target)
            let n = count(prompt)
            if n <= maxTokens || dropped == history.count { return (prompt, n, dropped) }
            dropped += 1
        }
    }
}
