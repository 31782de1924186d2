import Foundation
import Testing
import TestSupport
@testable import Experiments

@Suite("Table I (instruction template)")
struct TableOneTests {
    let table = TableOne(
        template: "Liked: {liked}\nDisliked: {disliked}\nTarget {target}?",
        examples: [
            TableOne.Example(dataset: "ml100k", sampleID: 7, user: 3, targetItem: 42, liked: true,
                             prompt: "Liked: \"Heat\", \"Fargo\"\nDisliked: \nTarget \"Babe\"?"),
            TableOne.Example(dataset: "synthlens", sampleID: 9, user: 1, targetItem: 5, liked: false,
                             prompt: "Liked: \"dunk #sports 🏀\"\nDisliked: \"a, b\"\nTarget \"waltz 芭蕾\"?"),
        ])

    /// The template is shown once, whatever the number of datasets; each dataset gets one example.
    @Test func markdownShowsTheTemplateOnceAndOneExamplePerDataset() {
        let md = table.markdown()
        #expect(md.components(separatedBy: "Template (`paper/prompt_template.txt`)").count == 2)
        #expect(md.contains("Rendered for test sample 7 of ml100k (user 3, target item 42, label like):"))
        #expect(md.contains("Rendered for test sample 9 of synthlens (user 1, target item 5, label not like):"))
        #expect(md.contains("```\nLiked: \"Heat\", \"Fargo\"\nDisliked: \nTarget \"Babe\"?\n```"))
    }

    /// RFC 4180: a field with a comma, quote or line break is quoted and its quotes doubled; a
    /// reader gets the prompts back byte for byte (parsed here by a small RFC 4180 reader).
    @Test func csvRoundTripsThePrompts() {
        let records = Self.parseCSV(table.csv())
        #expect(records.first == ["table", "kind", "dataset", "sample_id", "user", "target_item", "label", "text"])
        #expect(records.count == 4)
        #expect(records[1] == ["I", "template", "", "", "", "", "", table.template])
        #expect(records[2] == ["I", "rendered", "ml100k", "7", "3", "42", "like", table.examples[0].prompt])
        #expect(records[3] == ["I", "rendered", "synthlens", "9", "1", "5", "not like", table.examples[1].prompt])
    }

    @Test func latexKeepsPromptsVerbatim() {
        let tex = table.latex()
        #expect(tex.contains("\\begin{verbatim}\nLiked: {liked}\nDisliked: {disliked}\nTarget {target}?\n\\end{verbatim}"))
        #expect(tex.contains("\\paragraph{synthlens, test sample 9} (user 1, target item 5, label not like)"))
        #expect(tex.contains("\\begin{verbatim}\n" + table.examples[1].prompt + "\n\\end{verbatim}"))
    }

    /// Loaded from the repository: the committed template, and the first test sample of the tiny
    /// synthlens world rendered through it with its placeholders filled.
    @Test func loadRendersTheCommittedTemplate() throws {
        var base = ExperimentConfiguration()
        base.data.preset = "tiny-appeal"
        base.data.historyLength = 3
        base.data.shots = 32
        let t = try TableOne.load(base: base, bases: [:], datasets: ["synthlens"], root: Fixtures.repositoryRoot)
        let committed = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("paper/prompt_template.txt"), encoding: .utf8)
        #expect(t.template + "\n" == committed)
        #expect(t.examples.count == 1 && t.examples[0].dataset == "synthlens")
        let prompt = t.examples[0].prompt
        #expect(prompt.hasPrefix("Given the user's preference and unpreference"))
        #expect(!prompt.contains("{liked}") && !prompt.contains("{disliked}") && !prompt.contains("{target}"))
        #expect(prompt.contains("User Preference: ") && prompt.contains("Whether the user will like the target item \""))
    }

    static func parseCSV(_ text: String) -> [[String]] {
        var records: [[String]] = [], fields: [String] = [], field = "", quoted = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(field); field = ""
            } else if c == "\n" {
                fields.append(field); records.append(fields); fields = []; field = ""
            } else { field.append(c) }
        }
        return records
    }
}
