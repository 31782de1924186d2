import TensorCore

// The paper's Tables II-V as data: which configurations fill which cell, which row the paper
// calls best, and the paper's own values where our copy of the text has them
// (seeds/atflrec-paper.txt; REFERENCE.md section 1: only ATFLRec's 0.6042 at K=100 and 0.6708
// at K=500 survive, every other cell is "not in our copy of the paper").
// Table I (the instruction template) is rendered from the prompt template, not from runs.

/// One row or column of a table: a label and the change it makes to the base configuration.
public struct TableAxis: Sendable {
    public let label: String
    public let apply: @Sendable (inout ExperimentConfiguration) -> Void

    public init(_ label: String, _ apply: @escaping @Sendable (inout ExperimentConfiguration) -> Void) {
        self.label = label
        self.apply = apply
    }
}

/// What a table's cells report.
public enum TableMetric: Sendable, Equatable {
    /// Test AUC over the test samples (the paper's tables), DeLong's test between cells.
    case auc
    /// The sequential protocol's HR@K, NDCG@K and candidate AUC over the test users (issue 28);
    /// cells are ranked and tested by NDCG@K, by a paired sign-flip test over users.
    case ranking
}

/// The tables a profile renders (`"tables"` in its file).
public enum TableSet: String, Codable, Sendable {
    /// The paper's Tables II-V and our studies, in the few-shot protocol.
    case paper
    /// Issue 28's sequential tables (PaperTables.sequential).
    case sequential
    /// Issue 27's table in TALLRec's few-shot protocol (PaperTables.tallrec), at the profile's
    /// few-shot sizes (TALLRec's 16, 64 and 256).
    case tallrec
}

/// A table of the paper: rows x columns of test-AUC cells.
public struct PaperTable: Sendable {
    public let id: String          // "II", "III", ...
    public let title: String
    public let rows: [TableAxis]
    public let columns: [TableAxis]
    /// The row the paper reports as best; other rows are tested against it.
    public let claimedBestRow: String
    /// The paper's values by "row|column", where our copy has them.
    public let paperValues: [String: Double]
    /// Whose values `paperValues` are, when not the ATFLRec paper's (the column is headed by it,
    /// e.g. TALLRec's table for issue 27's T1).
    public var reference: TableReference? = nil
    /// The matrix product its runs are made with (issue 31, DETERMINISM.md): the paper's Tables
    /// II-V keep `openblas`, the product their committed runs were made with, until they are
    /// re-made under the exact product; every table added since defaults to `exact-fma`.
    public var numerics: MatrixProduct = .exactFMA
    /// The datasets it is run on; nil: every dataset of the profile. A study of one dataset
    /// (the frame-stride study: ml100k) adds no runs to the others.
    public var datasets: [String]? = nil
    /// A study of ours rather than a table of the paper: rendered without the paper's column,
    /// with each cell's mean run time beside its AUC (what a cheaper setting saves).
    public var isStudy = false
    /// What its cells report.
    public var metric = TableMetric.auc
    /// Run with the first this many of the profile's seeds only (nil: all of them): issue 28's
    /// ablations are made at seed 0 to keep the plan within its budget.
    public var seedCount: Int? = nil

    /// The seeds of its cells, from the profile's.
    public func seeds(_ profileSeeds: [UInt64]) -> [UInt64] { seedCount.map { Array(profileSeeds.prefix($0)) } ?? profileSeeds }

    /// Whether the table has cells on `dataset`.
    public func runs(on dataset: String) -> Bool { datasets?.contains(dataset) ?? true }

    /// The configuration of one cell for one dataset and seed.
    public func configuration(row: TableAxis, column: TableAxis, base: ExperimentConfiguration,
                              dataset: String, seed: UInt64) -> ExperimentConfiguration {
        var c = base
        c.numerics = numerics
        c.data.dataset = dataset
        c.seed = seed
        row.apply(&c)
        column.apply(&c)
        c.name = (c.isSequential ? "seq-" : "") + (c.model == .atflrec ? "atflrec-\(c.lora.layout.rawValue)" : c.model.rawValue)
        // A model without the audio branch (the baselines, text-only layout (c)) does not read
        // the frame stride: keep the default, so a profile's stride (the fast profile's) does not
        // make a second run of the same computation under another hash. (Every run committed
        // before has stride 1 already.)
        if c.model != .atflrec || c.lora.layout == .c { c.audio.frameStride = ExperimentConfiguration.AudioSection().frameStride }
        return c
    }

    public func paperValue(row: String, column: String) -> Double? {
        paperValues["\(row)|\(column)"]
    }
}

/// Another paper whose printed values a table shows beside ours: the column's heading and what a
/// cell it does not print says.
public struct TableReference: Sendable, Equatable {
    public let heading: String
    public let missing: String

    public init(heading: String, missing: String) {
        self.heading = heading
        self.missing = missing
    }
}

public enum PaperTables {
    /// The paper's two few-shot sizes. The quick profile passes smaller ones (its world is tiny);
    /// the labels always say the K that was run.
    public static let paperShots = (small: 100, large: 500)

    static func shotColumns(_ shots: (small: Int, large: Int)) -> [TableAxis] {
        [TableAxis("K=\(shots.small)") { $0.data.shots = shots.small },
         TableAxis("K=\(shots.large)") { $0.data.shots = shots.large }]
    }

    /// Table II: ATFLRec against the sequential and graph baselines.
    public static func comparison(shots: (small: Int, large: Int) = paperShots) -> PaperTable {
        PaperTable(
            id: "II", title: "Comparison with baselines (test AUC)",
            rows: [
                TableAxis("GRU4Rec") { $0.model = .gru4rec },
                TableAxis("SASRec") { $0.model = .sasrec },
                TableAxis("GCN (LightGCN)") { $0.model = .lightgcn },
                TableAxis("GraphSAGE") { $0.model = .graphsage },
                TableAxis("ATFLRec") { $0.model = .atflrec },
            ],
            columns: shotColumns(shots), claimedBestRow: "ATFLRec",
            paperValues: ["ATFLRec|K=100": 0.6042, "ATFLRec|K=500": 0.6708], numerics: .openBLAS)
    }

    /// Table III: LoRA layouts of Figure 4.
    public static func layouts(shots: (small: Int, large: Int) = paperShots) -> PaperTable {
        PaperTable(
            id: "III", title: "LoRA layouts (test AUC)",
            rows: [
                TableAxis("(a) separate audio and text adapters") { $0.lora.layout = .a },
                TableAxis("(b) one adapter on fused input") { $0.lora.layout = .b },
                TableAxis("(c) text only") { $0.lora.layout = .c },
            ],
            columns: shotColumns(shots), claimedBestRow: "(a) separate audio and text adapters", paperValues: [:], numerics: .openBLAS)
    }

    /// Table IV: pooling. Rows vary one pooling while the other keeps its default (max);
    /// the paper names max best for audio stacking and, a few lines later, sum best for fusion.
    public static func pooling(shots: (small: Int, large: Int) = paperShots) -> PaperTable {
        PaperTable(
            id: "IV", title: "Audio stacking pooling and fusion pooling (test AUC, K=\(shots.large))",
            rows: Pooling.allCases.map { p in TableAxis("stacking \(p.rawValue)") { $0.audio.stackingPooling = p } }
                + Pooling.allCases.map { p in TableAxis("fusion \(p.rawValue)") { $0.fusion.pooling = p } },
            columns: [shotColumns(shots)[1]],
            claimedBestRow: "stacking max", paperValues: [:], numerics: .openBLAS)
    }

    /// Table V: number of FBank bins. NOTE: at 16 kHz with the paper's 25 ms frames (a 512-point
    /// FFT, bins 31.25 Hz apart) some of 128 mel bins hold no FFT bin, which Kaldi refuses ("you
    /// may have set --num-mel-bins too large"); torchaudio's port does not check and leaves such
    /// bins at the log floor. We keep Kaldi's semantics and give the 128-bin row 50 ms frames
    /// (a 1024-point FFT, with which Kaldi accepts 128 bins), and its label says so.
    public static func melBins(shots: (small: Int, large: Int) = paperShots) -> PaperTable {
        PaperTable(
            id: "V", title: "Number of FBank bins (test AUC, K=\(shots.large))",
            rows: [40, 64, 80].map { m in TableAxis("\(m) bins") { $0.audio.numMelBins = m } }
                + [TableAxis("128 bins (50 ms frames)") { $0.audio.numMelBins = 128; $0.audio.frameLengthMs = 50 }],
            columns: [shotColumns(shots)[1]],
            claimedBestRow: "80 bins", paperValues: [:], numerics: .openBLAS)
    }

    /// Study S1 (issue 29, point 3; not a table of the paper): the audio embedding network sees
    /// every `audio.frameStride`-th 10 ms FBank frame (features strided as they are loaded,
    /// DatasetFeatures.load), on ml100k layout (a) at the larger K. The audio MLP runs per frame,
    /// so its cost falls by the stride; stride 1 is the paper's model, and every other row is
    /// tested against it ("keeps the AUC of every frame", ClaimJudge.noSignificantLoss). Made
    /// with the exact product, like every table added since issue 31.
    public static let strideStudyRows = [(1, "stride 1 (every 10 ms frame, the paper)"), (2, "stride 2 (20 ms)"),
                                         (4, "stride 4 (40 ms)"), (8, "stride 8 (80 ms)")]

    public static func frameStride(shots: (small: Int, large: Int) = paperShots) -> PaperTable {
        PaperTable(
            id: "S1", title: "Study: audio frame stride, layout (a) (test AUC, K=\(shots.large); ours, not in the paper)",
            rows: strideStudyRows.map { s, label in TableAxis(label) { $0.audio.frameStride = s } },
            columns: [shotColumns(shots)[1]],
            claimedBestRow: strideStudyRows[0].1, paperValues: [:], numerics: .exactFMA, datasets: ["ml100k"], isStudy: true)
    }

    /// The paper's Tables II-V.
    public static func paper(shots: (small: Int, large: Int) = paperShots) -> [PaperTable] {
        [comparison(shots: shots), layouts(shots: shots), pooling(shots: shots), melBins(shots: shots)]
    }

    /// Every table of a profile's plan: the paper's, then our studies.
    public static func all(shots: (small: Int, large: Int) = paperShots) -> [PaperTable] {
        paper(shots: shots) + [frameStride(shots: shots)]
    }

    /// The tables of a table set, at a profile's few-shot sizes (the paper's tables take two;
    /// the sequential ones none).
    public static func tables(_ set: TableSet, shots: [Int]) -> [PaperTable] {
        switch set {
        case .paper: return all(shots: shots.count == 2 ? (shots[0], shots[1]) : paperShots)
        case .sequential: return sequential()
        case .tallrec: return [tallrec(shots: shots)]
        }
    }

    // Issue 27, point 3: TALLRec's few-shot protocol (Bao et al., RecSys 2023) on MovieLens-100K,
    // which is the paper's own protocol here (RecData builds TALLRec's split), at TALLRec's K.
    // TALLRec's method is instruction tuning of an LLM with LoRA on the text prompt alone: on our
    // backbone that is layout (c). TALLRec's values (its Table 1, "Movie", AUC; REFERENCE.md
    // section 5) are LLaMA-7B's and its baselines', printed beside ours and labelled as theirs.
    public static let tallrecShots = [16, 64, 256]
    public static let tallrecTextRow = "(c) text only (TALLRec's method on MiniLM-L6)"
    public static let tallrecIDRows = ["GRU4Rec", "SASRec", "GCN (LightGCN)", "GraphSAGE", "MF"]
    public static let tallrecAudioRows = ["ATFLRec (a) separate adapters", "ATFLRec (b) one adapter on fused input"]
    /// TALLRec Table 1 (Movie) at K = 16, 64, 256: its method and the two of its baselines that
    /// are ours too (its "GRU" is GRU4Rec).
    static let tallrecPrinted: [(row: String, values: [Double])] = [
        (tallrecTextRow, [0.6724, 0.6748, 0.7198]), ("GRU4Rec", [0.4907, 0.4987, 0.5289]), ("SASRec", [0.5043, 0.5048, 0.5225]),
    ]

    /// Table T1: every model on the same K samples of TALLRec's split, seeds of the profile.
    public static func tallrec(shots: [Int] = tallrecShots) -> PaperTable {
        let models: [ModelKind] = [.gru4rec, .sasrec, .lightgcn, .graphsage, .mf]
        var values: [String: Double] = [:]
        if shots == tallrecShots {
            for (row, printed) in tallrecPrinted { for (k, v) in zip(shots, printed) { values["\(row)|K=\(k)"] = v } }
        }
        var t = PaperTable(
            id: "T1", title: "TALLRec's few-shot protocol on MovieLens-100K (test AUC; ours, issue 27)",
            rows: zip(tallrecIDRows, models).map { label, m in TableAxis(label) { $0.model = m } }
                + [TableAxis(tallrecTextRow) { $0.model = .atflrec; $0.lora.layout = .c },
                   TableAxis(tallrecAudioRows[0]) { $0.model = .atflrec; $0.lora.layout = .a },
                   TableAxis(tallrecAudioRows[1]) { $0.model = .atflrec; $0.lora.layout = .b }],
            columns: shots.map { k in TableAxis("K=\(k)") { $0.data.shots = k } },
            claimedBestRow: tallrecTextRow, paperValues: values, numerics: .exactFMA, datasets: ["ml100k"])
        t.reference = TableReference(heading: "TALLRec (LLaMA-7B; its baselines)", missing: "not in TALLRec's table")
        return t
    }

    // Issue 28's tables: MLLM-MSR (seeds/mllm-msr-summary.txt) adapted to audio, beside the
    // models that can rank in its protocol, on ml100k's sequences (data.protocol=sequential,
    // set by the sequential profile). One column: every test user's held-out positive among
    // `sequence.negatives` sampled unrated items.
    static let candidatesColumn = TableAxis("20 candidates per user") { _ in }

    public static let msrRow = "MLLM-MSR adapted (recurrence, blocks of 5, audio summaries)"
    public static let noRecurrenceRow = "without recurrence (the 20 items in one block)"
    public static let titlesOnlyRow = "without summaries (titles only)"
    /// Block-size rows of R2 with their sizes; the model's own (5) is `msrRow`.
    public static let blockRows = [(2, "blocks of 2"), (10, "blocks of 10")]
    public static let shortSummaryRow = "2-phrase summaries"

    /// Table R1: the models of the protocol, seeds 0-2.
    public static func sequentialComparison() -> PaperTable {
        var t = PaperTable(
            id: "R1", title: "Sequential recommendation: HR@5, NDCG@5 and AUC over 20 candidates (ours, issue 28; MLLM-MSR's protocol)",
            rows: [
                TableAxis("GRU4Rec") { $0.model = .gru4rec },
                TableAxis("SASRec") { $0.model = .sasrec },
                TableAxis("ATFLRec (a) separate adapters") { $0.model = .atflrec; $0.lora.layout = .a },
                TableAxis("ATFLRec (b) one adapter on fused input") { $0.model = .atflrec; $0.lora.layout = .b },
                TableAxis(msrRow) { $0.model = .mllmMSR },
            ],
            columns: [candidatesColumn], claimedBestRow: msrRow, paperValues: [:], numerics: .exactFMA, datasets: ["ml100k"], isStudy: true)
        t.metric = .ranking
        return t
    }

    /// Table R2: MLLM-MSR's ablations (the seed's: recurrence, block size, summary length), at
    /// the profile's first seed (the model's row is R1's seed-0 run).
    public static func sequentialAblations() -> PaperTable {
        var t = PaperTable(
            id: "R2", title: "MLLM-MSR ablations: recurrence, summaries, block size (HR@5, NDCG@5, AUC; ours, issue 28)",
            rows: [TableAxis(msrRow) { $0.model = .mllmMSR },
                   TableAxis(noRecurrenceRow) { $0.model = .mllmMSR; $0.sequence.blockSize = $0.sequence.maxHistory },
                   TableAxis(titlesOnlyRow) { $0.model = .mllmMSR; $0.sequence.summaryPhrases = 0 },
                   TableAxis(shortSummaryRow) { $0.model = .mllmMSR; $0.sequence.summaryPhrases = 2 }]
                + blockRows.map { b, label in TableAxis(label) { $0.model = .mllmMSR; $0.sequence.blockSize = b } },
            columns: [candidatesColumn], claimedBestRow: msrRow, paperValues: [:], numerics: .exactFMA, datasets: ["ml100k"], isStudy: true)
        t.metric = .ranking
        t.seedCount = 1
        return t
    }

    public static func sequential() -> [PaperTable] { [sequentialComparison(), sequentialAblations()] }
}
