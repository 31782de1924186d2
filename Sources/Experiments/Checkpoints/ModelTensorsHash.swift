import Crypto
import Foundation
import HDF5Storage

/// SHA-256 of a checkpoint's trained model alone: its configuration hash and every tensor under
/// `/parameters` and `/buffers`, but none of the attributes that describe where and when it was
/// made (`environment` holds the git commit, so the file's own SHA-256 differs between two
/// commits that train the same tensors). Two runs of one configuration give the same value on
/// any commit with the same OpenBLAS kernels; result.json records it as `modelTensorsSHA256`.
///
/// The byte stream hashed is language-neutral (checkpoints/README.md, "Model tensors hash";
/// paper/tools/load_checkpoint.py computes it with hashlib and numpy):
///
///   "atflrec-model-tensors-v1\n" "configuration_hash=<hex>\n"
///   then for each group in (parameters, buffers), each dataset by name in UTF-8 byte order:
///   "<group>/<name>\n" "<d0>,<d1>,...\n" (the shape; empty line for a scalar)
///   and the float32 values in row-major order, little-endian.
public enum ModelTensorsHash {
    public static let version = "atflrec-model-tensors-v1"
    static let groups = ["parameters", "buffers"]

    public static func ofFile(_ path: String) throws -> String {
        let reader = try HDF5Reader(path: path)
        guard case .string(let configurationHash)? = try? reader.attribute("configuration_hash") else {
            throw ConfigurationError("\(path): no 'configuration_hash' attribute; not an atflrec checkpoint")
        }
        var hasher = SHA256()
        hasher.update(data: Data("\(version)\nconfiguration_hash=\(configurationHash)\n".utf8))
        for group in groups where reader.exists("/\(group)") {
            // Byte order, not String's collation, so every language sorts the names alike.
            let names = try reader.children(of: "/\(group)").sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for name in names {
                let array = try reader.read(Float.self, "/\(group)/\(name)")
                hasher.update(data: Data("\(group)/\(name)\n\(array.shape.map(String.init).joined(separator: ","))\n".utf8))
                let littleEndian = array.values.map { $0.bitPattern.littleEndian }
                littleEndian.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            }
        }
        return SHA256Hex.hex(hasher.finalize())
    }
}
