import Foundation

/// The directory of one run, `checkpoints/<name>-<hash8>/`, named by its resolved configuration
/// so that a configuration is trained once and found again by `make paper`.
public struct RunDirectory: Sendable {
    public let url: URL
    public let configuration: ExperimentConfiguration

    /// The file holding the resolved configuration inside a run directory.
    public static let configurationFile = "config.json"

    public init(root: URL, configuration: ExperimentConfiguration) {
        self.url = root.appendingPathComponent(configuration.runName, isDirectory: true)
        self.configuration = configuration
    }

    /// Creates the directory (or checks an existing one belongs to the same configuration) and
    /// checks that it is writable, before any work is done.
    public func prepare() throws {
        let fm = FileManager.default
        let configURL = url.appendingPathComponent(Self.configurationFile)
        if fm.fileExists(atPath: configURL.path) {
            let stored = try Data(contentsOf: configURL)
            let existing = try? JSONDecoder().decode(ExperimentConfiguration.self, from: stored)
            guard existing == configuration else {
                throw ConfigurationError("run directory \(url.path): holds a different configuration (\(Self.configurationFile) differs); refusing to overwrite")
            }
        } else {
            do {
                try fm.createDirectory(at: url, withIntermediateDirectories: true)
            } catch {
                throw ConfigurationError("run directory \(url.path): cannot be created (\(error.localizedDescription))")
            }
        }
        guard fm.isWritableFile(atPath: url.path) else {
            throw ConfigurationError("run directory \(url.path): not writable")
        }
        if !fm.fileExists(atPath: configURL.path) {
            try AtomicFile.write(Data((configuration.prettyJSON() + "\n").utf8), to: configURL)
        }
    }

    /// The best checkpoint every trainer leaves behind (the weights the test split was scored with).
    public var bestCheckpoint: URL { url.appendingPathComponent("best.h5") }

    /// SHA-256 of `best.h5`, recorded in the run's result so the committed manifest can name the
    /// checkpoint that is not committed. A finished run without one is an error, not a gap.
    public func bestCheckpointSHA256() throws -> String {
        guard FileManager.default.fileExists(atPath: bestCheckpoint.path) else {
            throw ConfigurationError("run directory \(url.path): the run finished without \(bestCheckpoint.lastPathComponent)")
        }
        return try SHA256Hex.ofFile(bestCheckpoint.path)
    }
}

/// Writes a whole file through a temporary sibling and a rename, so a crash never leaves a
/// finished-looking file.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let tmp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try data.write(to: tmp)
            // rename(2) replaces the target atomically (Foundation's replaceItemAt is not
            // reliable on Linux).
            guard rename(tmp.path, url.path) == 0 else {
                throw ConfigurationError("rename failed: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw ConfigurationError("\(url.path): cannot be written (\(error.localizedDescription))")
        }
    }

    /// Writes `value` as the project's JSON files are written: sorted keys, indented, slashes
    /// unescaped (so the bytes are the same on every run and easy to diff).
    public static func writeJSON<Value: Encodable>(_ value: Value, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try write(try encoder.encode(value), to: url)
    }
}
