/// The runs needed for the paper's tables: every cell x dataset x seed, deduplicated by
/// configuration hash (the ATFLRec default appears in Tables II-V but is trained once).
public struct PaperPlan: Sendable {
    public struct Cell: Sendable, Equatable {
        public let table: String
        public let row: String
        public let column: String
        public let dataset: String
        /// Run names (one per seed) whose results fill this cell.
        public let runs: [String]
    }

    public let cells: [Cell]
    /// Unique configurations in first-appearance order (deterministic).
    public let configurations: [ExperimentConfiguration]

    init(cells: [Cell], configurations: [ExperimentConfiguration]) {
        self.cells = cells
        self.configurations = configurations
    }

    /// `datasetBases`: a dataset's own starting configuration where it has one (else `base`).
    public init(tables: [PaperTable], datasets: [String], seeds: [UInt64], base: ExperimentConfiguration,
                datasetBases: [String: ExperimentConfiguration] = [:]) {
        var cells: [Cell] = []
        var configurations: [ExperimentConfiguration] = []
        var seen: Set<String> = []  // membership only; order comes from the arrays
        for dataset in datasets {
            for table in tables where table.runs(on: dataset) {
                for row in table.rows {
                    for column in table.columns {
                        var runs: [String] = []
                        for seed in table.seeds(seeds) {
                            let c = table.configuration(row: row, column: column, base: datasetBases[dataset] ?? base,
                                                        dataset: dataset, seed: seed)
                            let name = c.runName
                            runs.append(name)
                            if seen.insert(name).inserted { configurations.append(c) }
                        }
                        cells.append(Cell(table: table.id, row: row.label, column: column.label, dataset: dataset, runs: runs))
                    }
                }
            }
        }
        self.cells = cells
        self.configurations = configurations
    }
}
