import Crypto
import Foundation

/// Lower-case hex SHA-256, the one spelling used by run hashes, settings hashes, recorded
/// checkpoint hashes and the manifest (the format `sha256sum` prints and checks).
public enum SHA256Hex {
    public static func of(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
