import Baselines
import Foundation

extension BaselineSettings {
    /// SHA-256 (lower-case hex) of the settings' canonical JSON (sorted keys) without the free-text
    /// notes: what a baseline run depends on besides its configuration. Editing a note keeps it;
    /// changing any value, section or the model changes it.
    public var identity: String {
        var values = self
        values.notes = []
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a plain value type cannot fail.
        let data = try! encoder.encode(values)
        return SHA256Hex.of(data)
    }
}
