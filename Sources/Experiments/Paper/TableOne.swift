import Foundation
import RecData

/// Table I of the paper: the instruction template, and one prompt rendered from it per dataset
/// for the dataset's first test sample (the prompt the text encoder reads for that sample, built
/// as ATFLRecRunner.example builds it). Written like the other tables as Markdown, LaTeX and CSV
/// (`tables/table-I.*`) and shown in REPORT.md.
public struct TableOne: Sendable, Equatable {
    /// One rendered prompt and the sample it was rendered for.
    public struct Example: Sendable, Equatable {
        public let dataset: String
        public let sampleID: Int
        public let user: Int
        public let targetItem: Int
        public let liked: Bool
        public let prompt: String

        public init(dataset: String, sampleID: Int, user: Int, targetItem: Int, liked: Bool, prompt: String) {
            self.dataset = dataset
            self.sampleID = sampleID
            self.user = user
            self.targetItem = targetItem
            self.liked = liked
            self.prompt = prompt
        }
    }

    /// Where the template lives, relative to the repository root (shown in the table).
    public static let templatePath = "paper/prompt_template.txt"

    public let template: String
    public let examples: [Example]

    public init(template: String, examples: [Example]) {
        self.template = template
        self.examples = examples
    }

    /// The template from `root` and one example per dataset (`bases[dataset]` or `base`, with
    /// the dataset set).
    public static func load(base: ExperimentConfiguration, bases: [String: ExperimentConfiguration],
                            datasets: [String], root: URL) throws -> TableOne {
        let renderer = try PromptRenderer(templateFile: root.appendingPathComponent(templatePath).path)
        var examples: [Example] = []
        for dataset in datasets {
            var c = bases[dataset] ?? base
            c.data.dataset = dataset
            let data = try DatasetSplits.dataset(c, root: root)
            let splits = DatasetSplits.splits(of: data, c)
            guard let s = splits.test.first else { throw ConfigurationError("\(dataset): no test samples for Table I") }
            let liked = Set(s.likedHistory)
            let prompt = renderer.render(history: s.history.map { (title: data.title($0), liked: liked.contains($0)) },
                                         target: data.title(s.target))
            examples.append(Example(dataset: dataset, sampleID: s.id, user: s.user, targetItem: s.target,
                                    liked: s.label == 1, prompt: prompt))
        }
        return TableOne(template: renderer.template, examples: examples)
    }

    static func label(_ liked: Bool) -> String { liked ? "like" : "not like" }

    /// The template once, then each dataset's example, as fenced blocks.
    public func markdown() -> String {
        var out = "Template (`\(Self.templatePath)`):\n\n```\n\(template)\n```\n"
        for e in examples {
            out += "\nRendered for test sample \(e.sampleID) of \(e.dataset) (user \(e.user), target item \(e.targetItem), "
            out += "label \(Self.label(e.liked))):\n\n```\n\(e.prompt)\n```\n"
        }
        return out
    }

    /// Verbatim blocks. Titles may hold any Unicode (synthlens has CJK and emoji): typeset with
    /// XeLaTeX or LuaLaTeX and a font that has them.
    public func latex() -> String {
        let escape = RenderedTable.latexEscaped
        var out = "% Table I: the instruction template (\(escape(Self.templatePath))) and one rendered prompt per dataset\n"
        out += "\\paragraph{Template}\n\\begin{verbatim}\n\(template)\n\\end{verbatim}\n"
        for e in examples {
            out += "\\paragraph{\(escape(e.dataset)), test sample \(e.sampleID)} (user \(e.user), target item \(e.targetItem), "
            out += "label \(Self.label(e.liked)))\n\\begin{verbatim}\n\(e.prompt)\n\\end{verbatim}\n"
        }
        return out
    }

    /// One line for the template (dataset and sample fields empty) and one per example; the
    /// text field keeps its line breaks inside quotes (RFC 4180).
    public func csv() -> String {
        let quote = RenderedTable.csvField
        var out = "table,kind,dataset,sample_id,user,target_item,label,text\n"
        out += ["I", "template", "", "", "", "", "", template].map(quote).joined(separator: ",") + "\n"
        for e in examples {
            out += ["I", "rendered", e.dataset, String(e.sampleID), String(e.user), String(e.targetItem),
                    Self.label(e.liked), e.prompt].map(quote).joined(separator: ",") + "\n"
        }
        return out
    }
}
