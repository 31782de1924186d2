import Foundation

// A readable listing of a whole file, for `atflrec inspect` and for eyeballing fixtures.

extension HDF5Reader {
    /// The tree of the file as text: each group ("name/"), each dataset with its stored type,
    /// shape ("scalar" for rank 0), chunking and compression, and every attribute ("@name = value")
    /// under its object. Members are sorted by name. Attribute arrays longer than
    /// `maxAttributeValues` and strings longer than `maxStringLength` are shortened, saying so.
    public func treeDescription(maxAttributeValues: Int = 8, maxStringLength: Int = 100) throws -> String {
        var lines: [String] = ["/"]
        try describeAttributes(of: "/", indent: "  ", into: &lines, maxValues: maxAttributeValues, maxString: maxStringLength)
        try describeMembers(of: "/", indent: "  ", into: &lines, maxValues: maxAttributeValues, maxString: maxStringLength)
        return lines.joined(separator: "\n") + "\n"
    }

    private func describeMembers(of group: String, indent: String, into lines: inout [String],
                                 maxValues: Int, maxString: Int) throws {
        for name in try children(of: group) {
            let child = group == "/" ? "/" + name : group + "/" + name
            switch kind(of: child) {
            case .group:
                lines.append("\(indent)\(name)/")
                try describeAttributes(of: child, indent: indent + "  ", into: &lines, maxValues: maxValues, maxString: maxString)
                try describeMembers(of: child, indent: indent + "  ", into: &lines, maxValues: maxValues, maxString: maxString)
            case .dataset:
                let info = try datasetInfo(child)
                var line = "\(indent)\(name): \(info.storedType) " + (info.shape.isEmpty ? "scalar" : "\(info.shape)")
                if let chunks = info.chunkShape { line += " chunks \(chunks)" }
                if let level = info.gzipLevel { line += " gzip \(level)" }
                lines.append(line)
                try describeAttributes(of: child, indent: indent + "  ", into: &lines, maxValues: maxValues, maxString: maxString)
            case .other:
                lines.append("\(indent)\(name): (not a group or dataset)")
            case nil:
                lines.append("\(indent)\(name): (dangling link)")
            }
        }
    }

    private func describeAttributes(of object: String, indent: String, into lines: inout [String],
                                    maxValues: Int, maxString: Int) throws {
        for name in try attributeNames(of: object) {
            let text: String
            do {
                text = Self.shortText(try attribute(name, of: object), maxValues: maxValues, maxString: maxString)
            } catch let error as HDF5Error where error.kind == .typeMismatch {
                // An attribute of a kind this module does not model is listed, not fatal.
                text = "(\(error.reason))"
            }
            lines.append("\(indent)@\(name) = \(text)")
        }
    }

    static func shortText(_ value: HDF5AttributeValue, maxValues: Int, maxString: Int) -> String {
        func list<T>(_ values: [T], _ show: (T) -> String) -> String {
            let shown = values.prefix(maxValues).map(show).joined(separator: ", ")
            return values.count > maxValues ? "[\(shown), ...] (\(values.count) values)" : "[\(shown)]"
        }
        switch value {
        case .string(let s):
            let flat = s.replacingOccurrences(of: "\n", with: "\\n")
            return flat.count > maxString ? "\"\(flat.prefix(maxString))...\" (\(s.count) characters)" : "\"\(flat)\""
        case .int(let v): return String(v)
        case .double(let v): return String(v)
        case .ints(let v): return list(v) { String($0) }
        case .doubles(let v): return list(v) { String($0) }
        }
    }
}
