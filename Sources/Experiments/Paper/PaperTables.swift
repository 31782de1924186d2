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

    /// The configuration of one cell for one dataset and seed.
    public func configuration(row: TableAxis, column: TableAxis, base: ExperimentConfiguration,
                              dataset: String, seed: UInt64) -> ExperimentConfiguration {
        var c = base
        c.data.dataset = dataset
        c.seed = seed
        row.apply(&c)
        column.apply(&c)
        c.name = c.model == .atflrec ? "atflrec-\(c.lora.layout.rawValue)" : c.model.rawValue
        return c
    }

    public func paperValue(row: String, column: String) -> Double? {
        paperValues["\(row)|\(column)"]
    }
}

public enum PaperTables {
    static let shots: [TableAxis] = [
        TableAxis("K=100") { $0.data.shots = 100 },
        TableAxis("K=500") { $0.data.shots = 500 },
    ]

    /// Table II: ATFLRec against the sequential and graph baselines.
    public static let comparison = PaperTable(
        id: "II", title: "Comparison with baselines (test AUC)",
        rows: [
            TableAxis("GRU4Rec") { $0.model = .gru4rec },
            TableAxis("SASRec") { $0.model = .sasrec },
            TableAxis("GCN (LightGCN)") { $0.model = .lightgcn },
            TableAxis("GraphSAGE") { $0.model = .graphsage },
            TableAxis("ATFLRec") { $0.model = .atflrec },
        ],
        columns: shots, claimedBestRow: "ATFLRec",
        paperValues: ["ATFLRec|K=100": 0.6042, "ATFLRec|K=500": 0.6708])

    /// Table III: LoRA layouts of Figure 4.
    public static let layouts = PaperTable(
        id: "III", title: "LoRA layouts (test AUC)",
        rows: [
            TableAxis("(a) separate audio and text adapters") { $0.lora.layout = .a },
            TableAxis("(b) one adapter on fused input") { $0.lora.layout = .b },
            TableAxis("(c) text only") { $0.lora.layout = .c },
        ],
        columns: shots, claimedBestRow: "(a) separate audio and text adapters", paperValues: [:])

    /// Table IV: pooling. Rows vary one pooling while the other keeps its default (max);
    /// the paper names max best for audio stacking and, a few lines later, sum best for fusion.
    public static let pooling = PaperTable(
        id: "IV", title: "Audio stacking pooling and fusion pooling (test AUC, K=500)",
        rows: Pooling.allCases.map { p in TableAxis("stacking \(p.rawValue)") { $0.audio.stackingPooling = p } }
            + Pooling.allCases.map { p in TableAxis("fusion \(p.rawValue)") { $0.fusion.pooling = p } },
        columns: [TableAxis("K=500") { $0.data.shots = 500 }],
        claimedBestRow: "stacking max", paperValues: [:])

    /// Table V: number of FBank bins.
    public static let melBins = PaperTable(
        id: "V", title: "Number of FBank bins (test AUC, K=500)",
        rows: [40, 64, 80, 128].map { m in TableAxis("\(m) bins") { $0.audio.numMelBins = m } },
        columns: [TableAxis("K=500") { $0.data.shots = 500 }],
        claimedBestRow: "80 bins", paperValues: [:])

    public static let all: [PaperTable] = [comparison, layouts, pooling, melBins]
}
