import Crypto
import Foundation

/// Lower-case hex SHA-256, the one spelling used by run hashes, settings hashes, recorded
/// checkpoint hashes and the manifest (the format `sha256sum` prints and checks).
public enum SHA256Hex {
    public static func of(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    /// The file at `path`, read in 4 MB chunks (weights and checkpoints can be large).
    public static func ofFile(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ConfigurationError("\(path): cannot be read") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 22), !chunk.isEmpty { hasher.update(data: chunk) }
        return hex(hasher.finalize())
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
