import Foundation

/// A profile of `make paper` (`paper/configs/profile-<name>.json`): which datasets, seeds and
/// few-shot sizes the tables are run with, and the settings every run of the profile shares,
/// written as `--set` overrides of ExperimentConfiguration's defaults (type-checked the same way).
///
/// The full profile is the paper's experiment; the quick profile runs the same tables on the
/// tiny synthlens world with one seed and a few steps, to check the pipeline end to end.
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

    enum CodingKeys: String, CodingKey {
        case name, purpose, seeds, shots, datasets, datasetsWhenPresent, overrides, datasetOverrides
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        purpose = try c.decodeIfPresent(String.self, forKey: .purpose) ?? ""
        seeds = try c.decode([UInt64].self, forKey: .seeds)
        shots = try c.decode([Int].self, forKey: .shots)
        datasets = try c.decode([String].self, forKey: .datasets)
        datasetsWhenPresent = try c.decodeIfPresent([String].self, forKey: .datasetsWhenPresent) ?? []
        overrides = try c.decodeIfPresent([String].self, forKey: .overrides) ?? []
        datasetOverrides = try c.decodeIfPresent([String: [String]].self, forKey: .datasetOverrides) ?? [:]
    }

    public static func load(_ url: URL) throws -> PaperProfile {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ConfigurationError("\(url.path): cannot read the profile (\(error.localizedDescription))")
        }
        let p: PaperProfile
        do { p = try JSONDecoder().decode(PaperProfile.self, from: data) } catch let DecodingError.keyNotFound(key, _) {
            throw ConfigurationError("\(url.path): missing key '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw ConfigurationError("\(url.path): wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'")
        } catch {
            throw ConfigurationError("\(url.path): not a JSON paper profile")
        }
        guard p.shots.count == 2, p.shots[0] > 0, p.shots[0] < p.shots[1] else {
            throw ConfigurationError("\(url.path): shots must be two increasing sizes, e.g. [100, 500]")
        }
        guard !p.seeds.isEmpty, !p.datasets.isEmpty else {
            throw ConfigurationError("\(url.path): seeds and datasets must not be empty")
        }
        return p
    }

    public var shotPair: (small: Int, large: Int) { (shots[0], shots[1]) }

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
