import Foundation

/// One-line configuration error naming the file and the key path.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Resolves a configuration: defaults, then an experiment file, then `key=value` overrides.
///
/// The defaults are the encoded `ExperimentConfiguration()`, so the set of valid keys and their
/// types come from the Swift type alone. A file or override may only name keys that exist there
/// (unknown keys are errors, not ignored) and must keep each value's JSON type; the merged tree
/// is then decoded, which checks enumerations and integer ranges.
public enum ConfigurationLoader {
    public static func defaultsTree() -> JSONValue {
        // Encoding a fixed value type cannot fail.
        let encoder = JSONEncoder()
        encoder.userInfo[ExperimentConfiguration.everySectionKey] = true
        let data = try! encoder.encode(ExperimentConfiguration())
        return try! JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// Loads `file` (nil: defaults only) and applies `overrides` ("training.epochs=3").
    public static func resolve(file: String?, overrides: [String] = []) throws -> ExperimentConfiguration {
        var tree = defaultsTree()
        let source = file ?? "defaults"
        if let file {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: file))
            } catch {
                throw ConfigurationError("config \(file): cannot be read")
            }
            let fileTree: JSONValue
            do {
                fileTree = try JSONDecoder().decode(JSONValue.self, from: data)
            } catch {
                throw ConfigurationError("config \(file): not valid JSON (\(jsonErrorSummary(error)))")
            }
            guard case .object = fileTree else {
                throw ConfigurationError("config \(file): the top level must be a JSON object")
            }
            tree = try merge(fileTree, into: tree, path: [], source: source)
        }
        for override in overrides {
            tree = try apply(override: override, to: tree, source: source)
        }
        return try decode(tree, source: source)
    }

    static func merge(_ overlay: JSONValue, into base: JSONValue, path: [String], source: String) throws -> JSONValue {
        switch (overlay, base) {
        case (.object(let o), .object(var b)):
            for key in o.keys.sorted() {
                guard let existing = b[key] else {
                    throw ConfigurationError("config \(source): unknown key '\((path + [key]).joined(separator: "."))'")
                }
                b[key] = try merge(o[key]!, into: existing, path: path + [key], source: source)
            }
            return .object(b)
        default:
            guard compatible(overlay, base) else {
                throw ConfigurationError(
                    "config \(source): key '\(path.joined(separator: "."))' must be \(base.typeName), found \(overlay.typeName)")
            }
            return overlay
        }
    }

    /// JSON types that may replace each other: integers may stand where reals are expected.
    static func compatible(_ value: JSONValue, _ expected: JSONValue) -> Bool {
        switch (value, expected) {
        case (.bool, .bool), (.int, .int), (.int, .double), (.double, .double), (.string, .string),
             (.array, .array), (.object, .object), (.uint, .int), (.uint, .uint), (.int, .uint):
            return true
        default:
            return false
        }
    }

    static func apply(override: String, to tree: JSONValue, source: String) throws -> JSONValue {
        guard let eq = override.firstIndex(of: "="), eq != override.startIndex else {
            throw ConfigurationError("--set \(override): expected key=value")
        }
        let key = String(override[..<eq])
        let text = String(override[override.index(after: eq)...])
        let path = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let current = lookup(path, in: tree) else {
            throw ConfigurationError("--set \(override): unknown key '\(key)'")
        }
        let value: JSONValue
        switch current {
        case .bool:
            guard let b = Bool(text) else { throw ConfigurationError("--set \(override): '\(key)' takes true or false") }
            value = .bool(b)
        case .int, .uint:
            if let i = Int64(text) { value = .int(i) }
            else if let u = UInt64(text) { value = .uint(u) }
            else { throw ConfigurationError("--set \(override): '\(key)' takes an integer") }
        case .double:
            guard let d = Double(text), d.isFinite else { throw ConfigurationError("--set \(override): '\(key)' takes a number") }
            value = .double(d)
        case .string:
            value = .string(text)
        case .array, .object, .null:
            guard let parsed = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)),
                  compatible(parsed, current) else {
                throw ConfigurationError("--set \(override): '\(key)' takes \(current.typeName) in JSON")
            }
            value = try merge(parsed, into: current, path: path, source: "--set")
        }
        return replacing(path, with: value, in: tree)
    }

    static func lookup(_ path: [String], in tree: JSONValue) -> JSONValue? {
        guard let head = path.first else { return tree }
        guard case .object(let o) = tree, let child = o[head] else { return nil }
        return lookup(Array(path.dropFirst()), in: child)
    }

    static func replacing(_ path: [String], with value: JSONValue, in tree: JSONValue) -> JSONValue {
        guard let head = path.first, case .object(var o) = tree, let child = o[head] else { return value }
        o[head] = replacing(Array(path.dropFirst()), with: value, in: child)
        return .object(o)
    }

    static func decode(_ tree: JSONValue, source: String) throws -> ExperimentConfiguration {
        do {
            let data = try JSONEncoder().encode(tree)
            let config = try JSONDecoder().decode(ExperimentConfiguration.self, from: data)
            try ConfigurationValidation.check(config, source: source)
            return config
        } catch let error as DecodingError {
            throw ConfigurationError("config \(source): \(describe(error))")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func keyPath(_ path: [CodingKey]) -> String { path.map(\.stringValue).joined(separator: ".") }
        switch error {
        case .dataCorrupted(let c):
            return "key '\(keyPath(c.codingPath))': \(c.debugDescription)"
        case .typeMismatch(_, let c), .valueNotFound(_, let c):
            return "key '\(keyPath(c.codingPath))': \(c.debugDescription)"
        case .keyNotFound(let key, let c):
            return "missing key '\(keyPath(c.codingPath + [key]))'"
        @unknown default:
            return "\(error)"
        }
    }

    static func jsonErrorSummary(_ error: Error) -> String {
        if let e = error as? DecodingError, case .dataCorrupted(let c) = e {
            return (c.underlyingError as NSError?)?.userInfo["NSDebugDescription"] as? String ?? c.debugDescription
        }
        return "\(error)"
    }
}
