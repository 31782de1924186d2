// Issue 6 acceptance: the whole ATFLRec pipeline (synthlens audio -> FBank cache -> audio MLP,
// prompt -> WordPiece -> MiniLM with LoRA, fusion, classifier, checkpoints) trains through
// `atflrec train` for each LoRA layout, and `atflrec eval` / `atflrec predict` read the run back.
//
// Cost: MiniLM cut to its first 2 layers (truncatedMiniLM), histories of 3 items, prompts of at
// most 64 tokens, K = 256 shots, 4 epochs, 60 validation samples: about 1-2 min per layout on
// 2 cores. The world is synthlens tiny-appeal: like tiny, plus a population-wide appeal of
// topics and sounds that the target's title and soundtrack reveal (SynthLensOptions.tinyAppeal).
//
// Measured (2026-11-22, this configuration): test AUC a 0.6997, b 0.6969, c 0.7952 on the 120
// test samples. Under no signal the AUC of 120 samples has a standard deviation of about 0.053,
// so the bound 0.62 is more than 2 standard deviations above chance.
import Foundation
import Testing
import TestSupport

struct TrainedCLIRun {
    let directory: URL
    let result: [String: Any]
    var testAUC: Double { result["testAUC"] as? Double ?? .nan }
    var lossCurve: [Double] { result["trainLossCurve"] as? [Double] ?? [] }
}

enum SynthLensCLIRun {
    static func arguments(layout: String, model: URL, checkpoints: URL, extra: [String] = []) -> [String] {
        let settings = [
            "name=ci-\(layout)", "lora.layout=\(layout)", "threads=1", "text.modelPath=\(model.path)",
            "data.dataset=synthlens", "data.preset=tiny-appeal", "data.historyLength=3", "data.shots=256",
            "text.maxLength=64", "training.epochs=4", "training.learningRate=0.002", "training.warmupSteps=4",
            "training.gradientAccumulation=1", "training.earlyStoppingPatience=0", "training.validationSamples=60",
            "audio.numMelBins=40",
        ] + extra
        return ["train", "--checkpoints", checkpoints.path] + settings.flatMap { ["--set", $0] }
    }

    /// Trains and returns the run directory and its result.json.
    static func train(layout: String, model: URL, extra: [String] = [],
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> TrainedCLIRun? {
        let checkpoints = try Fixtures.temporaryDirectory("checkpoints-\(layout)")
        guard let r = try runATFLRec(arguments(layout: layout, model: model, checkpoints: checkpoints, extra: extra),
                                     sourceLocation: sourceLocation) else { return nil }
        #expect(r.status == 0, "atflrec train exited \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
        let runs = try FileManager.default.contentsOfDirectory(atPath: checkpoints.path).filter { $0.hasPrefix("ci-") }
        guard runs.count == 1 else {
            Issue.record("expected one run directory, found \(runs)", sourceLocation: sourceLocation)
            return nil
        }
        let dir = checkpoints.appendingPathComponent(runs[0])
        let data = try Data(contentsOf: dir.appendingPathComponent("result.json"))
        return TrainedCLIRun(directory: dir, result: try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:])
    }
}

@Suite("ATFLRec end to end on synthlens", .serialized)
struct ATFLRecSynthLensTests {
    @Test(arguments: ["a", "b", "c"])
    func eachLayoutLearnsAndReadsBack(layout: String) throws {
        guard let model = try truncatedMiniLM(layers: 2), let run = try SynthLensCLIRun.train(layout: layout, model: model) else { return }
        let curve = run.lossCurve
        #expect(curve.count == 4 && curve.last! < curve.first!, "layout \(layout): train loss curve \(curve)")
        #expect(run.testAUC > 0.62, "layout \(layout): test AUC \(run.testAUC)")

        // eval rebuilds the model from config.json + best.h5 and must give the stored AUC exactly.
        guard let evaluated = try runATFLRec(["eval", "--run", run.directory.path]) else { return }
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        #expect(evaluated.stdout.contains(String(format: "AUC %.6f", run.testAUC)), "\(evaluated.stdout)")
        #expect(evaluated.stdout.contains("(identical)"), "\(evaluated.stdout)")

        // predict: one probability for a user and an item of the dataset.
        guard let predicted = try runATFLRec(["predict", "--run", run.directory.path, "--user", "3", "--item", "7"]) else { return }
        #expect(predicted.status == 0, "\(predicted.stderr)")
        let p = predicted.stdout.split(separator: "=").last.flatMap { Double($0.split(separator: " ").first ?? "") }
        #expect(p.map { $0 > 0 && $0 < 1 } == true, "\(predicted.stdout)")
    }

    @Test func predictNamesAnUnknownUserInOneLine() throws {
        guard let model = try truncatedMiniLM(layers: 2) else { return }
        // A run directory needs a trained model: the cheapest one (layout c, 1 epoch, 16 shots).
        guard let run = try SynthLensCLIRun.train(layout: "c", model: model,
                                                  extra: ["training.epochs=1", "data.shots=16"]) else { return }
        guard let r = try runATFLRec(["predict", "--run", run.directory.path, "--user", "999999", "--item", "7"]) else { return }
        #expect(r.status != 0)
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains("999999"), "\(r.stderr)")
    }
}
