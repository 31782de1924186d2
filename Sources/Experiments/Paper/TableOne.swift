import Foundation
import RecData

/// Table I of the paper: the instruction template, and one prompt rendered from it for the
/// first test sample of a dataset (the prompt the text encoder reads for that sample).
public enum TableOne {
    public static func markdown(base: ExperimentConfiguration, dataset: String, root: URL) throws -> String {
        var c = base
        c.data.dataset = dataset
        let templatePath = root.appendingPathComponent("paper/prompt_template.txt").path
        let renderer = try PromptRenderer(templateFile: templatePath)
        let data = try DatasetSplits.dataset(c, root: root)
        let splits = DatasetSplits.splits(of: data, c)
        guard let s = splits.test.first else { throw ConfigurationError("\(dataset): no test samples for Table I") }
        let liked = Set(s.likedHistory)
        let prompt = renderer.render(history: s.history.map { (title: data.title($0), liked: liked.contains($0)) },
                                     target: data.title(s.target))
        return """
        Template (`paper/prompt_template.txt`):

        ```
        \(renderer.template)
        ```

        Rendered for test sample \(s.id) of \(dataset) (user \(s.user), target item \(s.target), label \(s.label == 1 ? "like" : "not like")):

        ```
        \(prompt)
        ```

        """
    }
}
