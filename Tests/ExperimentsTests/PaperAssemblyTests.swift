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
        let tables = PaperAssembly.tables(plan: plan, tables: PaperTables.all(), results: res) { metric, a, b in
            #expect(metric == .auc)
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

    /// Issue 27's T1: TALLRec's printed values sit in their cells under TALLRec's name, the
    /// verdicts judge its claim on the ID rows only and ATFLRec's audio rows against (c).
    @Test func theTallrecTableShowsTallrecsNumbersAndJudgesItsClaim() {
        let table = PaperTables.tallrec()
        let plan = PaperPlan(tables: [table], datasets: ["ml100k"], seeds: [0, 1], base: ExperimentConfiguration())
        #expect(plan.configurations.count == 8 * 3 * 2)
        // (c) best of the text and ID rows, (b) above it, (a) below it; seed adds 0.01.
        let res = results(for: plan) { c in
            let base: Double
            switch (c.model, c.lora.layout) {
            case (.atflrec, .c): base = 0.66
            case (.atflrec, .b): base = 0.70
            case (.atflrec, _): base = 0.62
            default: base = c.model == .mf ? 0.60 : 0.55
            }
            return base + Double(c.seed) * 0.01
        }
        let rendered = PaperAssembly.tables(plan: plan, tables: [table], results: res) { _, _, _ in 0.001 }
        let t1 = rendered[0]
        let text = PaperTables.tallrecTextRow
        #expect(t1.cells.first { $0.row == text && $0.column == "K=16" }!.paperValue == 0.6724)
        #expect(t1.cells.first { $0.row == "SASRec" && $0.column == "K=256" }!.paperValue == 0.5225)
        #expect(t1.cells.first { $0.row == "MF" && $0.column == "K=64" }!.paperValue == nil)
        let md = t1.markdown()
        #expect(md.contains("K=16 TALLRec (LLaMA-7B; its baselines)") && md.contains("| 0.6724 |") && md.contains("not in TALLRec's table"))
        #expect(!md.contains(RenderedTable.notInPaper))
        // A row not run yet still shows TALLRec's printed value.
        let unrun = PaperAssembly.tables(plan: plan, tables: [table], results: res.filter { !$0.key.hasPrefix("atflrec-c") }) { _, _, _ in 0.001 }
        #expect(unrun[0].markdown().contains("| \(text) | not run yet | 0.6724 | not run yet | 0.6748 | not run yet | 0.7198 |"))
        let verdicts = PaperAssembly.verdicts(rendered) { _, _, _, _ in 0.001 }
        let byClaim = Dictionary(uniqueKeysWithValues: verdicts.map { ($0.claim, $0.outcome) })
        // (b) above (c) does not contradict TALLRec's claim, which is about the ID baselines.
        #expect(byClaim["TALLRec's method (text only, layout (c)) beats every ID baseline at each K (TALLRec, Table 1)"] == .holds)
        #expect(byClaim["ATFLRec (b) one adapter on fused input beats text only (c) in TALLRec's protocol (ours)"] == .holds)
        #expect(byClaim["ATFLRec (a) separate adapters beats text only (c) in TALLRec's protocol (ours)"] == .doesNotHold)
    }

    /// Issue 28's tables from runs whose ranks are set by hand: 30 test users, 20 candidates
    /// each; a row's positive sits at a fixed rank for every user, so HR@5 and NDCG@5 are known,
    /// and the real paired test (TableSignificance.pairedRanking) decides the verdicts.
    @Test func sequentialTablesRankByNDCGAndTestOverUsers() throws {
        var base = ExperimentConfiguration()
        base.data.evaluationProtocol = .sequential
        let tables = PaperTables.sequential()
        let plan = PaperPlan(tables: tables, datasets: ["ml100k"], seeds: [0, 1, 2], base: base)
        // R1: 5 rows x 3 seeds; R2: 6 rows at seed 0, its model row being R1's seed-0 run.
        #expect(plan.configurations.count == 15 + 5)
        #expect(plan.cells.filter { $0.table == "R2" }.allSatisfy { $0.runs.count == 1 })
        #expect(plan.configurations.allSatisfy { $0.isSequential && $0.name.hasPrefix("seq-") })
        func rank(_ c: ExperimentConfiguration, user: Int) -> Int {  // 1 = top
            switch (c.model, c.sequence.blockSize, c.sequence.summaryPhrases) {
            case (.mllmMSR, 5, 4): return 1
            case (.mllmMSR, 10, _): return user % 2 == 0 ? 1 : 2     // close behind the model
            case (.mllmMSR, _, _): return 4
            case (.sasrec, _, _): return 3
            default: return 8
            }
        }
        var results: [String: (RunResult, Predictions)] = [:]
        for c in plan.configurations {
            var p = Predictions(sampleIDs: [], users: [], labels: [], scores: [])
            for u in 0..<30 {
                let r = rank(c, user: u)
                for j in 0..<20 {
                    p.sampleIDs.append(u * 20 + j)
                    p.users.append(u)
                    p.labels.append(j == 0 ? 1 : 0)
                    // Negatives at 0.95, 0.90, ...; the positive just below the (r - 1)-th of them.
                    p.scores.append(j == 0 ? 1.0 - 0.05 * Double(r - 1) - 0.01 : 1.0 - 0.05 * Double(j))
                }
            }
            var result = RunResult(run: c.runName, configurationHash: c.hash(), testAUC: 0.5, testUAUC: 0.6, testLogLoss: 0,
                                   bestValidationAUC: 0, epochsRun: 1, optimizerSteps: 1, wallSeconds: 60,
                                   trainSamplesPerSecond: 0, trainSampleIDs: [])
            try SequentialProtocol.addRanking(to: &result, p, c)
            results[c.runName] = (result, p)
        }
        let significance: PaperAssembly.Significance = { metric, a, b in
            #expect(metric == .ranking)
            return try! TableSignificance.pairedRanking(a, b, negatives: 19, k: 5)
        }
        let rendered = PaperAssembly.tables(plan: plan, tables: tables, results: results, significance: significance)
        let r1 = rendered[0]
        let msr = r1.cells.first { $0.row == PaperTables.msrRow }!
        #expect(msr.ranking?.hitRates == [1, 1, 1] && msr.ranking?.ndcgs == [1, 1, 1] && msr.aucs == [0.6, 0.6, 0.6])
        #expect(msr.comparedWith == "SASRec" && msr.pValue! < 1e-4)
        let sasrec = r1.cells.first { $0.row == "SASRec" }!
        #expect(abs(sasrec.mean - 0.5) < 1e-12 && sasrec.comparedWith == PaperTables.msrRow)  // NDCG of rank 3: 1 / log2(4)
        #expect(r1.cells.first { $0.row == "GRU4Rec" }!.ranking?.hitRates == [0, 0, 0])
        let md = r1.markdown()
        #expect(md.contains("| HR@5 (mean ± sd) | NDCG@5 (mean ± sd) | AUC (mean ± sd) |"))
        #expect(md.contains("| \(PaperTables.msrRow) | 1.0000 ± 0.0000 | 1.0000 ± 0.0000 | 0.6000 ± 0.0000 | 3 | p<1e-4 vs SASRec |"))
        #expect(r1.csv().split(separator: "\n").count == 1 + 5)

        let verdicts = PaperAssembly.verdicts(rendered) { table, _, row, reference in
            func runs(_ r: String) -> [Predictions] {
                plan.cells.first { $0.table == table.id && $0.row == r }!.runs.map { results[$0]!.1 }
            }
            return try? TableSignificance.pairedRanking(runs(row), runs(reference), negatives: 19, k: 5)
        }
        let byClaim = Dictionary(uniqueKeysWithValues: verdicts.map { ($0.claim, $0.outcome) })
        #expect(byClaim["the MLLM-MSR adaptation ranks best among the protocol's models (NDCG@5)"] == .holds)
        #expect(byClaim["the recurrence helps (MLLM-MSR's seed; NDCG@5)"] == .holds)
        #expect(byClaim["summaries keep the information the sequence model needs (with them against titles only; NDCG@5)"] == .holds)
        // Blocks of 10 trail the model's blocks of 5 by one rank for half of the users only, but
        // every non-zero difference has the same sign, so the sign-flip test finds it (p about 2^-15).
        #expect(byClaim["there is a best block size (of 2, 5, 10 and 20 items; NDCG@5)"] == .holds)

        // Unfinished runs: their rows say so, and the claims wait for them.
        var partial = results
        for name in plan.cells.first(where: { $0.table == "R1" && $0.row == "SASRec" })!.runs { partial[name] = nil }
        let unfinished = PaperAssembly.tables(plan: plan, tables: tables, results: partial, significance: significance)
        #expect(unfinished[0].markdown().contains("| SASRec | not run yet |"))
        let waiting = PaperAssembly.verdicts(unfinished) { _, _, _, _ in nil }
        #expect(waiting.first { $0.table == "R1" }!.outcome == .notRunYet)
    }
}
