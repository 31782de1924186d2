import Foundation
import TensorCore

/// A profile of `make paper` (`paper/configs/profile-<name>.json`): which datasets, seeds and
/// few-shot sizes the tables are run with, and the settings every run of the profile shares,
/// written as `--set` overrides of ExperimentConfiguration's defaults (type-checked the same way).
///
/// The full profile is the paper's experiment; the quick profile runs the same tables on the
/// tiny synthlens world with one seed and a few steps, to check the pipeline end to end.
///
/// A profile may extend another (`"extends": "full"`): it takes the parent's seeds, shots,
/// datasets and overrides, adds its own overrides after the parent's, shares the parent's run
/// store (configurations are keyed by their hash, so runs both plans contain are made once), and
/// times its missing runs from the parent's finished ones. `numerics` makes every table's runs
/// with one matrix product (as `atflrec paper --numerics` does for an edition). The fast profile
/// extends full with a coarser audio frame stride (docs/performance.md, Study S1).
public struct PaperProfile: Codable, Equatable, Sendable {
    public var name: String
    /// What the profile is for, printed with the plan.
    public var purpose: String
    public var seeds: [UInt64]
    /// The two few-shot sizes of Tables II and III; Tables IV and V use the larger.
    public var shots: [Int]
    public var datasets: [String]
    /// Datasets run only when their files are present (microlens: `.cache/data/microlens`).
    public var datasetsWhenPresent: [String] = []
    /// `key=value` settings applied to the defaults for every run of the profile.
    public var overrides: [String] = []
    /// Further settings for the runs of one dataset, after `overrides` (the full profile's
    /// synthlens world: `data.preset=paper-appeal`), so other datasets' runs keep their hashes.
    public var datasetOverrides: [String: [String]] = [:]
    /// The profile this one extends (its run store is shared), or nil.
    public var extends: String?
    /// The matrix product of every table's runs, or nil: each table's own (PaperTable.numerics).
    public var numerics: MatrixProduct?
    /// Which tables it renders: the paper's (default), issue 28's sequential ones, whose profile
    /// names no few-shot sizes (`shots` is empty there), or issue 27's TALLRec-protocol table.
    public var tables = TableSet.paper

    enum CodingKeys: String, CodingKey {
        case name, purpose, seeds, shots, datasets, datasetsWhenPresent, overrides, datasetOverrides, extends, numerics, tables
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        purpose = try c.decodeIfPresent(String.self, forKey: .purpose) ?? ""
        extends = try c.decodeIfPresent(String.self, forKey: .extends)
        numerics = try c.decodeIfPresent(MatrixProduct.self, forKey: .numerics)
        tables = try c.decodeIfPresent(TableSet.self, forKey: .tables) ?? .paper
        // An extending profile takes these from its parent (load), so they may be left out.
        let optional = extends != nil
        func list<T: Decodable>(_ key: CodingKeys) throws -> [T] {
            optional ? try c.decodeIfPresent([T].self, forKey: key) ?? [] : try c.decode([T].self, forKey: key)
        }
        seeds = try list(.seeds)
        // A sequential profile has no few-shot sizes (validated to be absent).
        shots = tables == .sequential ? try c.decodeIfPresent([Int].self, forKey: .shots) ?? [] : try list(.shots)
        datasets = try list(.datasets)
        datasetsWhenPresent = try c.decodeIfPresent([String].self, forKey: .datasetsWhenPresent) ?? []
        overrides = try c.decodeIfPresent([String].self, forKey: .overrides) ?? []
        datasetOverrides = try c.decodeIfPresent([String: [String]].self, forKey: .datasetOverrides) ?? [:]
    }

    /// paper/configs/profile-<name>.json under `root`.
    public static func file(_ name: String, root: URL) -> URL {
        root.appendingPathComponent("paper/configs/profile-\(name).json")
    }

    /// The profile `name` of the repository at `root`, its parent merged in when it extends one.
    public static func load(_ name: String, root: URL) throws -> PaperProfile {
        try load(file(name, root: root))
    }

    /// The profile of `url`; one that extends another is merged with its parent (a sibling file):
    /// the parent's seeds, shots and datasets where it gives none, the parent's overrides first.
    public static func load(_ url: URL) throws -> PaperProfile {
        var p = try decode(url)
        guard let parentName = p.extends else { return try p.validated(url) }
        let parentURL = url.deletingLastPathComponent().appendingPathComponent("profile-\(parentName).json")
        let parent = try decode(parentURL)
        guard parent.extends == nil else {
            throw ConfigurationError("\(url.path): extends '\(parentName)', which extends another profile (one level only)")
        }
        if p.seeds.isEmpty { p.seeds = parent.seeds }
        if p.shots.isEmpty { p.shots = parent.shots }
        if p.datasets.isEmpty { p.datasets = parent.datasets }
        if p.datasetsWhenPresent.isEmpty { p.datasetsWhenPresent = parent.datasetsWhenPresent }
        p.overrides = parent.overrides + p.overrides
        p.datasetOverrides = parent.datasetOverrides.merging(p.datasetOverrides) { $0 + $1 }
        if p.numerics == nil { p.numerics = parent.numerics }
        return try p.validated(url)
    }

    /// The profile whose run store this one uses: its parent's when it extends one.
    public var runStoreProfile: String { extends ?? name }

    /// Folder of a profile's outputs under `root`: paper for full, else paper/<name>.
    public static func outputFolder(_ name: String, root: URL) -> URL {
        root.appendingPathComponent(name == "full" ? "paper" : "paper/\(name)")
    }

    /// This profile's default run store: the runs folder of its own outputs, or its parent's.
    public func defaultRunStore(root: URL) -> URL {
        Self.outputFolder(runStoreProfile, root: root).appendingPathComponent("runs")
    }

    static func decode(_ url: URL) throws -> PaperProfile {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ConfigurationError("\(url.path): cannot read the profile (\(error.localizedDescription))")
        }
        do { return try JSONDecoder().decode(PaperProfile.self, from: data) } catch let DecodingError.keyNotFound(key, _) {
            throw ConfigurationError("\(url.path): missing key '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw ConfigurationError("\(url.path): wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw ConfigurationError("\(url.path): \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)")
        } catch {
            throw ConfigurationError("\(url.path): not a JSON paper profile")
        }
    }

    func validated(_ url: URL) throws -> PaperProfile {
        let p = self
        switch p.tables {
        case .paper:
            guard p.shots.count == 2, p.shots[0] > 0, p.shots[0] < p.shots[1] else {
                throw ConfigurationError("\(url.path): shots must be two increasing sizes, e.g. [100, 500]")
            }
        case .sequential:
            guard p.shots.isEmpty else {
                throw ConfigurationError("\(url.path): shots must be left out of a sequential profile (its runs rank every test user's candidates)")
            }
        case .tallrec:
            guard !p.shots.isEmpty, p.shots[0] > 0, zip(p.shots, p.shots.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw ConfigurationError("\(url.path): shots must be increasing sizes, e.g. [16, 64, 256]")
            }
        }
        guard !p.seeds.isEmpty, !p.datasets.isEmpty else {
            throw ConfigurationError("\(url.path): seeds and datasets must not be empty")
        }
        return p
    }

    /// The first `count` seeds of the profile's sequence 0, 1, 2, ... (count overrides the file).
    public func seeds(count: Int?) -> [UInt64] {
        guard let count else { return seeds }
        return (0..<UInt64(max(1, count))).map { $0 }
    }

    /// The configuration every run starts from, with `extra` overrides (e.g. text.modelPath) last.
    public func base(extra: [String] = []) throws -> ExperimentConfiguration {
        try ConfigurationLoader.resolve(file: nil, overrides: overrides + extra)
    }

    /// The starting configuration of `dataset`'s runs: `overrides`, then its `datasetOverrides`,
    /// then `extra`.
    public func base(dataset: String, extra: [String] = []) throws -> ExperimentConfiguration {
        try ConfigurationLoader.resolve(file: nil, overrides: overrides + (datasetOverrides[dataset] ?? []) + extra)
    }

    /// Datasets to run: the fixed ones plus those whose files exist under `root`.
    public func datasets(root: URL) -> [String] {
        datasets + datasetsWhenPresent.filter { name in
            FileManager.default.fileExists(atPath: root.appendingPathComponent(".cache/data/\(name)").path)
        }
    }
}
