import Testing
@testable import Experiments

@Suite("Paper assembly")
struct PaperAssemblyTests {
    /// Results whose AUC is a function of the row, so the expected tables are known in closed form.
    func results(for plan: PaperPlan, auc: (ExperimentConfiguration) -> Double) -> [String: (RunResult, Predictions)] {
        var out: [String: (RunResult, Predictions)] = [:]
        for c in plan.configurations {
            let r = RunResult(run: c.runName, configurationHash: c.hash(), testAUC: auc(c), testUAUC: 0, testLogLoss: 0,
                              bestValidationAUC: 0, epochsRun: 1, optimizerSteps: 1, wallSeconds: 0,
                              trainSamplesPerSecond: 0, trainSampleIDs: [])
            out[c.runName] = (r, Predictions(sampleIDs: [Int(c.seed)], users: [0], labels: [1], scores: [auc(c)]))
        }
        return out
    }

    @Test func tablesAndVerdictsComeFromTheRuns() {
        let plan = PaperPlan(tables: PaperTables.all(), datasets: ["synthlens"], seeds: [0, 1], base: ExperimentConfiguration())
        // ATFLRec (a) best, (b) > (c), baselines lower; seed adds 0.01.
        let res = results(for: plan) { c in
            let base: Double
            switch c.model {
            case .atflrec: base = c.lora.layout == .a ? 0.70 : (c.lora.layout == .b ? 0.65 : 0.60)
            default: base = 0.55
            }
            return base + Double(c.seed) * 0.01 + (c.audio.numMelBins == 80 ? 0 : -0.02)
        }
        var pairs = 0
        let tables = PaperAssembly.tables(plan: plan, tables: PaperTables.all(), results: res) { a, b in
            pairs += 1
            #expect(a.count == 2 && b.count == 2)  // one prediction set per seed
            return 0.001
        }
        #expect(tables.map(\.id) == ["II", "III", "IV", "V"])
        let ii = tables[0]
        let atf = ii.cells.first { $0.row == "ATFLRec" && $0.column == "K=100" }!
        #expect(atf.aucs == [0.70, 0.71] && atf.paperValue == 0.6042 && atf.pValue == nil)
        #expect(ii.cells.first { $0.row == "SASRec" }!.pValue == 0.001)
        #expect(pairs > 0)
        let verdicts = PaperAssembly.verdicts(tables) { _, _, _, _ in 0.001 }
        let byClaim = Dictionary(uniqueKeysWithValues: verdicts.map { ($0.claim, $0.outcome) })
        #expect(byClaim["ATFLRec beats every baseline at K=100 and K=500"] == .holds)
        #expect(byClaim["separate adapters (a) are best among the LoRA layouts"] == .holds)
        #expect(byClaim["one fused adapter (b) beats text only (c)"] == .holds)
        #expect(byClaim["80 FBank bins are best"] == .holds)
        // Table IV's "fusion max" keeps both poolings at max, so it is the "stacking max" runs:
        // named, not tested against themselves.
        let iv = tables[2]
        let fusionMax = iv.cells.first { $0.row == "fusion max" }!
        #expect(fusionMax.sameRunsAs == "stacking max" && fusionMax.pValue == nil)
        #expect(iv.cells.filter { $0.sameRunsAs != nil }.map(\.row) == ["fusion max"])
        #expect(iv.cells.first { $0.row == "fusion sum" }!.pValue == 0.001)
        // All pooling rows are equal here: no row is significantly ahead of another.
        #expect(byClaim["max is the best audio stacking pooling"] == .inconclusive)
    }
}
