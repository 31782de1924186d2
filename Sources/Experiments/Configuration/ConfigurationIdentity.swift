import Foundation

extension ExperimentConfiguration {
    /// Canonical JSON: keys sorted, no insignificant whitespace, slashes unescaped. Two equal
    /// configurations give the same bytes; this is what is hashed and stored with every result.
    public func canonicalJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.userInfo[ExperimentConfiguration.canonicalFormKey] = true
        // Encoding a plain value type cannot fail.
        let data = try! encoder.encode(self)
        return String(decoding: data, as: UTF8.self)
    }

    /// Human-readable JSON for printing (sorted keys, indented).
    public func prettyJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let data = try! encoder.encode(self)
        return String(decoding: data, as: UTF8.self)
    }

    /// SHA-256 of the canonical JSON, lower-case hex.
    public func hash() -> String {
        SHA256Hex.of(Data(canonicalJSON().utf8))
    }

    /// The run directory name: `<name>-<first 8 hex digits of the hash>`.
    public var runName: String {
        "\(name)-\(hash().prefix(8))"
    }
}
