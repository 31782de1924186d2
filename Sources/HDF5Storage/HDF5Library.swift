import CHDF5
import Foundation

// Process-wide HDF5 state. The library is called from many Swift tasks at once (tests run in
// parallel), and its internal state is only safe when one thread at a time uses it, so every call
// goes through `HDF5Library.locked`. The lock is recursive so helpers can nest. The Debian build
// is compiled thread-safe, which makes the automatic error printer a per-thread setting: it is
// switched off at the start of every locked section, whatever thread runs it.

enum HDF5Library {
    static let lock = NSRecursiveLock()

    /// Runs `body` holding the HDF5 lock, with HDF5's stderr error printing off.
    static func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        atf_h5_silence_errors()
        return try body()
    }

    /// The most specific message on this thread's HDF5 error stack (cleared afterwards), or ""
    /// when HDF5 recorded none.
    static func takeErrorText() -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        atf_h5_take_error(&buffer, buffer.count)
        return String(cString: buffer)
    }

    /// `reason`, followed by HDF5's own most specific message when it has one.
    static func reason(_ reason: String) -> String {
        let detail = takeErrorText()
        return detail.isEmpty ? reason : "\(reason) (HDF5: \(detail))"
    }

    static func nativeType(_ type: HDF5ElementType) -> hid_t {
        switch type {
        case .float32: return atf_h5t_native_float()
        case .float64: return atf_h5t_native_double()
        case .int32: return atf_h5t_native_int32()
        case .int64: return atf_h5t_native_int64()
        case .uint8: return atf_h5t_native_uint8()
        }
    }

    static var defaultPlist: hid_t { atf_h5p_default() }

    /// File-access properties shared by readers and writers (caller closes the list).
    ///
    /// File locking is off. HDF5 1.10 flock()s every file it opens, and the descriptor is not
    /// close-on-exec, so a child process started meanwhile (a test running h5py, the CLI) inherits
    /// the lock and keeps it after we close the file: the next open of that file then fails with
    /// "unable to lock file". Locking protects nothing here: writers fill a fresh temporary file
    /// that no reader can see until the atomic rename, and in-process access is serialised.
    static func fileAccessList() -> hid_t {
        let fapl = H5Pcreate(atf_h5p_file_access())
        H5Pset_file_locking(fapl, false, true)
        return fapl
    }

    /// A memory type for variable-length UTF-8 strings (caller closes it).
    static func variableStringType() -> hid_t {
        let t = H5Tcopy(atf_h5t_c_s1())
        H5Tset_size(t, atf_h5t_variable())
        H5Tset_cset(t, H5T_CSET_UTF8)
        return t
    }
}

/// Object paths are absolute inside the file: "a/b", "/a/b" and "/a/b/" all name "/a/b".
func normalizedPath(_ path: String) -> String {
    let parts = path.split(separator: "/", omittingEmptySubsequences: true)
    return "/" + parts.joined(separator: "/")
}

/// The absolute paths of `path` and each ancestor except the root, outermost first.
func pathPrefixes(_ path: String) -> [String] {
    let parts = path.split(separator: "/", omittingEmptySubsequences: true)
    var out: [String] = []
    var current = ""
    for part in parts {
        current += "/" + part
        out.append(current)
    }
    return out
}

/// Shared by reader and writer: questions about objects of an open file. Callers hold the lock.
enum HDF5Objects {
    /// Whether every link along `path` resolves (HDF5 fails rather than answers "no" when an
    /// intermediate group is missing, so each prefix is checked in turn).
    static func exists(_ file: hid_t, _ path: String) -> Bool {
        for prefix in pathPrefixes(path) {
            if H5Lexists(file, prefix, HDF5Library.defaultPlist) <= 0 {
                H5Eclear2(atf_h5e_default())
                return false
            }
        }
        // A link may dangle (soft or external link): make sure it reaches an object.
        if path != "/" && H5Oexists_by_name(file, path, HDF5Library.defaultPlist) <= 0 {
            H5Eclear2(atf_h5e_default())
            return false
        }
        return true
    }

    static func kind(_ file: hid_t, _ path: String) -> HDF5ObjectKind? {
        guard exists(file, path) else { return nil }
        switch atf_h5_object_type(file, path) {
        case H5O_TYPE_GROUP: return .group
        case H5O_TYPE_DATASET: return .dataset
        default: return .other
        }
    }

    /// Dimensions of a dataspace; [] for scalar. Nil for a null dataspace (no data at all).
    static func shape(ofSpace space: hid_t) -> [Int]? {
        switch H5Sget_simple_extent_type(space) {
        case H5S_SCALAR:
            return []
        case H5S_SIMPLE:
            let rank = Int(H5Sget_simple_extent_ndims(space))
            var dims = [hsize_t](repeating: 0, count: max(rank, 1))
            H5Sget_simple_extent_dims(space, &dims, nil)
            return dims.prefix(rank).map { Int($0) }
        default:
            return nil
        }
    }

    /// Selects rows start ..< start + count (first dimension) of `space` and returns a memory
    /// dataspace of that block's shape (caller closes it).
    static func selectRows(_ space: hid_t, shape: [Int], start: Int, count: Int) throws -> hid_t {
        var offset = [hsize_t](repeating: 0, count: shape.count)
        offset[0] = hsize_t(start)
        var block = shape.map { hsize_t($0) }
        block[0] = hsize_t(count)
        H5Sselect_hyperslab(space, H5S_SELECT_SET, &offset, nil, &block, nil)
        return H5Screate_simple(Int32(block.count), &block, nil)
    }

    /// The stored type in numpy-like words.
    static func describe(type t: hid_t) -> String {
        let size = H5Tget_size(t)
        switch H5Tget_class(t) {
        case H5T_FLOAT:
            return "float\(size * 8)"
        case H5T_INTEGER:
            return (H5Tget_sign(t) == H5T_SGN_NONE ? "uint" : "int") + "\(size * 8)"
        case H5T_STRING:
            let cset = H5Tget_cset(t) == H5T_CSET_UTF8 ? "UTF-8" : "ASCII"
            if H5Tis_variable_str(t) > 0 { return "string (variable length, \(cset))" }
            return "string (fixed \(size) bytes, \(cset))"
        case H5T_COMPOUND: return "compound"
        case H5T_ENUM: return "enum"
        case H5T_ARRAY: return "array"
        case H5T_VLEN: return "variable-length sequence"
        case H5T_OPAQUE: return "opaque"
        case H5T_REFERENCE: return "reference"
        case H5T_BITFIELD: return "bitfield"
        case H5T_TIME: return "time"
        default: return "unknown type"
        }
    }

    static func isNumeric(type t: hid_t) -> Bool {
        let c = H5Tget_class(t)
        return c == H5T_FLOAT || c == H5T_INTEGER
    }

    /// Reads `count` strings stored with file type `fileType`, through `read(memType, buffer)`
    /// (H5Dread or H5Aread). Handles variable-length and fixed-length strings; fixed-length ones
    /// lose their NUL or space padding. Returns nil when `read` fails.
    static func readStrings(count: Int, fileType: hid_t, space: hid_t,
                            read: (hid_t, UnsafeMutableRawPointer) -> herr_t) -> [String]? {
        if count == 0 { return [] }
        let memType = H5Tcopy(atf_h5t_c_s1())
        defer { H5Tclose(memType) }
        H5Tset_cset(memType, H5Tget_cset(fileType))
        if H5Tis_variable_str(fileType) > 0 {
            H5Tset_size(memType, atf_h5t_variable())
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            let status = pointers.withUnsafeMutableBufferPointer { read(memType, UnsafeMutableRawPointer($0.baseAddress!)) }
            guard status >= 0 else { return nil }
            let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
            pointers.withUnsafeMutableBufferPointer {
                _ = H5Dvlen_reclaim(memType, space, HDF5Library.defaultPlist, $0.baseAddress!)
            }
            return strings
        }
        let size = H5Tget_size(fileType)
        let padding = H5Tget_strpad(fileType)
        H5Tset_size(memType, size)
        H5Tset_strpad(memType, padding)
        var bytes = [UInt8](repeating: 0, count: count * size)
        let status = bytes.withUnsafeMutableBytes { read(memType, $0.baseAddress!) }
        guard status >= 0 else { return nil }
        return (0..<count).map { i in
            var slice = bytes[(i * size)..<((i + 1) * size)]
            if let nul = slice.firstIndex(of: 0) { slice = slice[slice.startIndex..<nul] }
            if padding == H5T_STR_SPACEPAD {
                while let last = slice.last, last == 0x20 { slice = slice.dropLast() }
            }
            return String(decoding: slice, as: UTF8.self)
        }
    }
}
