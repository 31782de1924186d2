import Autograd
import Foundation
import HDF5Storage
import SeededRandom
import TestSupport

@testable import Baselines

/// One baseline fixture written by Tests/Fixtures/baselines/make_baseline_fixtures.py.
struct BaselineFixture {
    let reader: HDF5Reader
    let samples: [BaselineSample]

    init(_ name: String) throws {
        let url = Fixtures.url("baselines/\(name).h5")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FixtureError("missing \(url.path): run `make fixtures-baselines`")
        }
        reader = try HDF5Reader(path: url.path)
        guard case .int(let version) = try reader.attribute("format_version"), version == 1 else {
            throw FixtureError("\(name).h5 has another format_version: regenerate with `make fixtures-baselines`")
        }
        let users = try reader.read(Int64.self, "samples/users").values
        let lengths = try reader.read(Int64.self, "samples/history_lengths").values
        let flat = try reader.read(Int64.self, "samples/histories").values
        let targets = try reader.read(Int64.self, "samples/targets").values
        let labels = try reader.read(Float.self, "samples/labels").values
        var offset = 0
        var samples: [BaselineSample] = []
        for b in 0..<users.count {
            let n = Int(lengths[b])
            samples.append(BaselineSample(user: Int(users[b]), history: flat[offset..<(offset + n)].map { Int($0) },
                                          target: Int(targets[b]), label: labels[b]))
            offset += n
        }
        self.samples = samples
    }

    func int(_ key: String) throws -> Int {
        switch try reader.attribute("config_" + key) {
        case .int(let v): return Int(v)
        case .double(let v): return Int(v)
        default: throw FixtureError("config_\(key) is not a number")
        }
    }

    func double(_ key: String) throws -> Double {
        switch try reader.attribute(key) {
        case .int(let v): return Double(v)
        case .double(let v): return v
        default: throw FixtureError("\(key) is not a number")
        }
    }

    /// Replaces every parameter of `model` with the fixture's (names and shapes must match).
    func load(into model: any SequenceScorer) throws {
        let names = model.namedParameters.map(\.0)
        let stored = try reader.children(of: "parameters")
        guard stored == names.sorted() else {
            throw FixtureError("parameter names differ: fixture \(stored), model \(names.sorted())")
        }
        try model.load(try names.map { name in
            let array = try reader.read(Float.self, "parameters/" + name)
            return ParameterValues(name: name, shape: array.shape, values: array.values)
        })
    }

    func gradient(_ name: String) throws -> [Double] {
        try reader.read(Double.self, "gradients/" + name).values
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Largest |a - b| (reported in the log so the figures can be quoted).
func maxAbsError(_ a: [Float], _ b: [Double]) -> Double {
    zip(a, b).reduce(0) { max($0, abs(Double($1.0) - $1.1)) }
}
