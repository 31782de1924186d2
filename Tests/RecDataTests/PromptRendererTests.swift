import Testing
import TestSupport
@testable import RecData

@Suite("Instruction prompt (Table I)")
struct PromptRendererTests {
    @Test func rendersQuotedTitlesAndDropsTheOldestFirst() throws {
        let r = try PromptRenderer(templateFile: Fixtures.repositoryRoot.appendingPathComponent("paper/prompt_template.txt").path)
        let history: [(title: String, liked: Bool)] = [("Old \"A\"", true), ("B", false), ("C", true)]
        let p = r.render(history: history, target: "T")
        #expect(p.contains("User Preference: \"Old \"A\"\", \"C\"\nUser Unpreference: \"B\"\n"))
        #expect(p.hasSuffix("Whether the user will like the target item \"T\"?"))
        // A counter by characters: the fitted prompt drops "Old "A"" first, then "B".
        let full = p.count
        let fit = r.fitted(history: history, target: "T", maxTokens: full - 5, count: { $0.count })
        #expect(fit.droppedTitles == 1 && !fit.prompt.contains("Old") && fit.prompt.contains("\"B\"") && fit.tokens == fit.prompt.count)
        #expect(throws: DataError("prompt template: missing placeholder {target}")) { try PromptRenderer(template: "{liked} {disliked}") }
    }
}
