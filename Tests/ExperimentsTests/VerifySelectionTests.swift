import Foundation
import Testing
@testable import Experiments

@Suite("verify: run selection, comparison, UAUC encoding")
struct VerifySelectionTests {
    typealias C = VerifySelection.Candidate

    /// 4 baselines, 12 ATFLRec runs over 2 datasets x 3 tables (10 minutes each), 2 of them bound
    /// to kernels this CPU cannot run.
    static let candidates: [C] = {
        var out = (0..<4).map { C(run: "base-\($0)", isBaseline: true, stratum: "ml100k Table II", recordedSeconds: 10, recordedCore: nil, runnableHere: true) }
        for d in ["ml100k", "synthlens"] {
            for t in ["II", "III", "IV"] {
                for s in 0..<2 {
                    out.append(C(run: "at-\(d)-\(t)-\(s)", isBaseline: false, stratum: "\(d) Table \(t)", recordedSeconds: 600,
                                 recordedCore: s == 1 && t == "IV" ? "Cooperlake" : "Haswell", runnableHere: !(s == 1 && t == "IV")))
                }
            }
        }
        return out
    }()

    @Test func budgetTakesEveryBaselineThenADrawAcrossStrata() throws {
        let chosen = try VerifySelection.choose(Self.candidates, request: .budget(seconds: 40 + 3 * 600, sampleSeed: 0))
        #expect(chosen.prefix(4).map(\.run) == ["base-0", "base-1", "base-2", "base-3"])
        let drawn = chosen.dropFirst(4)
        #expect(drawn.count == 3 && Set(drawn.map(\.stratum)).count == 3, "\(drawn.map(\.run))")
        #expect(chosen.allSatisfy { $0.runnableHere })
        // The same seed draws the same runs; over seeds every runnable run is drawn.
        #expect(try VerifySelection.choose(Self.candidates, request: .budget(seconds: 1840, sampleSeed: 0)).map(\.run) == chosen.map(\.run))
        var seen: Set<String> = []
        for seed in 0..<40 { seen.formUnion(try VerifySelection.choose(Self.candidates, request: .budget(seconds: 1840, sampleSeed: UInt64(seed))).map(\.run)) }
        #expect(seen == Set(Self.candidates.filter(\.runnableHere).map(\.run)))
        // A budget below one ATFLRec run re-trains the baselines only.
        #expect(try VerifySelection.choose(Self.candidates, request: .budget(seconds: 599, sampleSeed: 3)).map(\.run) == ["base-0", "base-1", "base-2", "base-3"])
    }

    @Test func explicitRequests() throws {
        #expect(try VerifySelection.choose(Self.candidates, request: .all).count == 14)
        #expect(try VerifySelection.choose(Self.candidates, request: .none).isEmpty)
        #expect(try VerifySelection.choose(Self.candidates, request: .runs(["at-ml100k-II-1", "base-2"])).map(\.run) == ["at-ml100k-II-1", "base-2"])
        #expect(throws: ConfigurationError.self) { try VerifySelection.choose(Self.candidates, request: .runs(["nope"])) }
        #expect(throws: ConfigurationError.self) { try VerifySelection.choose(Self.candidates, request: .runs(["at-ml100k-IV-1"])) }
    }

    @Test func kernelCandidates() {
        let avx2: Set<String> = ["avx", "avx2", "fma"]
        let avx512 = avx2.union(["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_bf16"])
        #expect(KernelChoice.candidates(recorded: "Cooperlake", cpuFlags: avx2, exhaustive: true).isEmpty)
        #expect(KernelChoice.candidates(recorded: "Cooperlake", cpuFlags: avx512, exhaustive: false) == ["Cooperlake"])
        #expect(KernelChoice.candidates(recorded: nil, cpuFlags: avx2, exhaustive: false) == ["Haswell"])
        #expect(KernelChoice.candidates(recorded: nil, cpuFlags: avx2, exhaustive: true) == ["Haswell", "Zen", "Prescott"])
        #expect(KernelChoice.candidates(recorded: nil, cpuFlags: avx512, exhaustive: true) == ["Haswell", "Cooperlake", "SkylakeX", "Zen", "Prescott"])
        #expect(KernelChoice.environment(for: "Haswell") == ["ATFLREC_KERNELS": "portable"])
        #expect(KernelChoice.environment(for: "Prescott") == ["ATFLREC_KERNELS": "native", "OPENBLAS_CORETYPE": "Prescott"])
    }

    func writeRun(_ dir: URL, scores: [Double], auc: Double, tensors: String?) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let p = Predictions(sampleIDs: [1, 2, 3], users: [7, 7, 8], labels: [1, 0, 1], scores: scores)
        try Data(p.csv().utf8).write(to: dir.appendingPathComponent("predictions.csv"))
        var r = RunResult(run: "r", configurationHash: "h", testAUC: auc, testUAUC: .nan, testLogLoss: 0.5, bestValidationAUC: 0.5,
                          epochsRun: 1, optimizerSteps: 1, wallSeconds: 1, trainSamplesPerSecond: 1, trainSampleIDs: [])
        r.modelTensorsSHA256 = tensors
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(r).write(to: dir.appendingPathComponent("result.json"))
    }

    @Test func comparisonCountsDifferingScores() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("verify-compare-\(UUID().uuidString)")
        try writeRun(root.appendingPathComponent("a"), scores: [0.9, 0.2, 0.7], auc: 1, tensors: "t")
        try writeRun(root.appendingPathComponent("b"), scores: [0.9, 0.2, 0.7], auc: 1, tensors: "t")
        try writeRun(root.appendingPathComponent("c"), scores: [0.9, 0.25, 0.70000001], auc: 0.75, tensors: "u")
        let same = try RunComparison.compare(committed: root.appendingPathComponent("a"), remade: root.appendingPathComponent("b"))
        #expect(same.identical && same.summary == "identical")
        let other = try RunComparison.compare(committed: root.appendingPathComponent("a"), remade: root.appendingPathComponent("c"))
        #expect(!other.identical && other.differingScores == 2 && other.scores == 3 && other.tensorsEqual == false)
        #expect(abs(other.largestDifference - 0.05) < 1e-12 && other.aucChange == -0.25, "\(other)")
        #expect(other.summary == "2 of 3 scores differ (largest 0.05); test AUC change -0.250000; model tensors hash differs")
    }

    /// UAUC where no user has both labels is JSON null (not the string "NaN"), and both read back as NaN.
    @Test func undefinedUAUCIsNull() throws {
        var r = RunResult(run: "r", configurationHash: "h", testAUC: 0.5, testUAUC: .nan, testLogLoss: 0.7, bestValidationAUC: 0.5,
                          epochsRun: 1, optimizerSteps: 0, wallSeconds: 1, trainSamplesPerSecond: 1, trainSampleIDs: [])
        r.testUAUCUsers = 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = RunResult.nonFiniteEncoding
        let text = String(decoding: try encoder.encode(r), as: UTF8.self)
        #expect(text.contains("\"testUAUC\":null,\"testUAUCUsers\":0"), "\(text)")
        #expect(try RunResult.decode(Data(text.utf8)).testUAUC.isNaN)
        let old = text.replacingOccurrences(of: "\"testUAUC\":null", with: "\"testUAUC\":\"NaN\"")
        #expect(try RunResult.decode(Data(old.utf8)).testUAUC.isNaN)
        r.testUAUC = 0.625
        #expect(try RunResult.decode(encoder.encode(r)).testUAUC == 0.625)
    }
}
