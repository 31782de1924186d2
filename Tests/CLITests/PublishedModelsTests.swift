// Issue 25, point 4: the published trained models (paper/models/) load in three languages and
// re-score to the committed predictions byte for byte. One ATFLRec model (layout (c), text only:
// MiniLM-L6 over 1,000 test prompts, about 40 s; the audio layouts would first compute the
// ml100k FBank cache) and one baseline are re-scored by `atflrec eval`; the Python loader and the
// C reader print the model tensors hash that `atflrec inspect --model-sha256` prints.
import Foundation
import Testing
import TestSupport

@Suite("Published models", .serialized)
struct PublishedModelsTests {
    static let models = ["atflrec-c-9a642c96", "sasrec-8978656e"]

    @Test(arguments: models)
    func reScoresToTheCommittedPredictions(model: String) throws {
        let dir = Fixtures.repositoryRoot.appendingPathComponent("paper/models/\(model)")
        let output = try Fixtures.temporaryDirectory("published-\(model)").appendingPathComponent("predictions.csv")
        guard let r = try runATFLRec(["eval", "--run", dir.path, "--output", output.path]) else { return }
        #expect(r.status == 0, "atflrec eval exited \(r.status): \(r.stderr.suffix(1000))")
        let committed = try Data(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("paper/runs/\(model)/predictions.csv"))
        #expect(try Data(contentsOf: output) == committed, "\(model): re-scored predictions differ from paper/runs/\(model)/predictions.csv")
    }

    @Test(arguments: models)
    func otherLanguagesReadTheSameTensors(model: String) throws {
        let best = Fixtures.repositoryRoot.appendingPathComponent("paper/models/\(model)/best.h5").path
        guard let swift = try runATFLRec(["inspect", "--model-sha256", best]) else { return }
        let hash = swift.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(swift.status == 0 && hash.count == 64, "\(swift.stderr)")
        // The table in checkpoints/README.md lists the same hash.
        let listing = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("checkpoints/README.md"), encoding: .utf8)
        #expect(listing.contains("| `\(model)` |") && listing.contains("`\(hash)`"), "checkpoints/README.md does not list \(model) with \(hash)")
        let python = try runPython("paper/tools/load_checkpoint.py", [Fixtures.repositoryRoot.appendingPathComponent("paper/models/\(model)").path])
        #expect(python.stdout.contains("model tensors sha256: \(hash)"), "load_checkpoint.py: \(python.stdout.suffix(500)) \(python.stderr.suffix(500))")
        let reader = Fixtures.repositoryRoot.appendingPathComponent(".build/ctools/model_reader")
        try #require(FileManager.default.isExecutableFile(atPath: reader.path), "\(reader.path) is missing: run `make .build/ctools/model_reader`")
        let c = try runProcess(reader, [best])
        let text = c.stdout
        #expect(c.status == 0 && text.hasSuffix("model tensors sha256: \(hash)\n"), "\(text.suffix(300))")
        #expect(text.contains("parameters/"), "\(text.prefix(300))")
    }
}
