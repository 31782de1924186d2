import CHDF5
import Foundation

/// Writes a new HDF5 file atomically: everything goes to a temporary file beside `path`
/// (`.<name>.<pid>-<n>.tmp` in the same directory, so the final rename never crosses file
/// systems), and `commit()` closes it and renames it onto `path`. A writer released without
/// `commit()` (an error, a crash of the caller's logic) removes its temporary file, so `path`
/// is either the previous file or the complete new one, never a half-written one.
///
/// Files use the HDF5 1.8+ object format (readable by h5py and HDF5 1.8 or later), which allows
/// attributes larger than 64 KiB. Numbers are stored in their native little-endian types;
/// strings as variable-length UTF-8.
///
/// No object records its creation or modification time (HDF5 stores them in every group and
/// dataset header unless told not to), so the same content written twice gives the same bytes
/// and a recorded file hash can be checked against a re-made file. Parent groups are therefore
/// created here, not by HDF5's "intermediate groups", which would use the default, timed list.
public final class HDF5Writer: @unchecked Sendable {
    /// The file that `commit()` creates or replaces.
    public let path: String
    /// Where the data goes until `commit()`.
    public let temporaryPath: String
    private let file: hid_t
    private var isOpen = true

    /// Chunks of compressed datasets are capped at this many bytes (HDF5's default chunk cache
    /// is 1 MiB; a chunk that fits in it is decompressed once per read).
    public static let maximumChunkBytes = 1 << 20

    nonisolated(unsafe) private static var temporaryCounter = 0

    public init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw HDF5Error(.missingFile, file: path, object: "/", reason: "directory \(directory) does not exist")
        }
        let (file, temporary): (hid_t, String) = try HDF5Library.locked {
            HDF5Writer.temporaryCounter += 1
            let temporary = url.deletingLastPathComponent()
                .appendingPathComponent(".\(url.lastPathComponent).\(getpid())-\(HDF5Writer.temporaryCounter).tmp").path
            let fapl = HDF5Library.fileAccessList()
            defer { H5Pclose(fapl) }
            H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V110)
            // The file creation list is also the root group's creation list.
            let fcpl = H5Pcreate(atf_h5p_file_create())
            defer { H5Pclose(fcpl) }
            H5Pset_obj_track_times(fcpl, false)
            let id = H5Fcreate(temporary, atf_h5f_acc_excl(), fcpl, fapl)
            guard id >= 0 else {
                throw HDF5Error(.io, file: path, object: "/",
                                reason: HDF5Library.reason("cannot create temporary file \(temporary)"))
            }
            return (id, temporary)
        }
        self.file = file
        self.temporaryPath = temporary
    }

    deinit {
        guard isOpen else { return }
        let f = file
        HDF5Library.locked { _ = H5Fclose(f) }
        unlink(temporaryPath)
    }

    // MARK: - Datasets

    /// Writes `values` (row-major, `shape.reduce(1, *)` of them; shape [] is a scalar) as a new
    /// dataset, creating missing parent groups. With `gzipLevel` (0-9) the dataset is chunked
    /// (chunks of at most `maximumChunkBytes`, halving the outermost dimensions first) and
    /// deflate-compressed; scalar and empty datasets cannot be chunked and are stored plainly.
    public func write<T: HDF5Scalar>(_ values: [T], shape: [Int], to dataset: String,
                                     gzipLevel: Int? = nil) throws {
        try HDF5Library.locked {
            let (p, count) = try validateNew(dataset, shape: shape, gzipLevel: gzipLevel)
            guard count == values.count else {
                throw error(.invalidArgument, p, "shape \(shape) needs \(count) values, got \(values.count)")
            }
            let d = try createNumeric(T.self, p, shape: shape, count: count, gzipLevel: gzipLevel)
            defer { H5Dclose(d) }
            if count > 0 {
                let status = values.withUnsafeBufferPointer {
                    H5Dwrite(d, HDF5Library.nativeType(T.hdf5ElementType), atf_h5s_all(), atf_h5s_all(),
                             HDF5Library.defaultPlist, $0.baseAddress)
                }
                guard status >= 0 else { throw error(.io, p, HDF5Library.reason("cannot write data")) }
            }
        }
    }

    /// Creates a numeric dataset of `shape` filled with zeros, to be filled piecewise with
    /// `writeRows` (for data too large to hold in memory at once, e.g. feature caches). Same
    /// storage rules as `write` (chunks of compressed datasets split the outermost dimension first,
    /// so row ranges touch few chunks).
    public func createDataset<T: HDF5Scalar>(_ type: T.Type, shape: [Int], at dataset: String,
                                             gzipLevel: Int? = nil) throws {
        try HDF5Library.locked {
            let (p, count) = try validateNew(dataset, shape: shape, gzipLevel: gzipLevel)
            let d = try createNumeric(T.self, p, shape: shape, count: count, gzipLevel: gzipLevel)
            H5Dclose(d)
        }
    }

    /// Writes `values` into rows `startRow ..< startRow + k` (along the first dimension) of an
    /// existing numeric dataset of this writer; `values.count` must be k whole rows.
    public func writeRows<T: HDF5Scalar>(_ values: [T], startingAt startRow: Int, to dataset: String) throws {
        try HDF5Library.locked {
            try requireOpen(dataset)
            let p = normalizedPath(dataset)
            guard let kind = HDF5Objects.kind(file, p) else { throw error(.noSuchObject, p, "no such dataset") }
            guard kind == .dataset else { throw error(.wrongObjectKind, p, "is a \(kind.rawValue), not a dataset") }
            let d = H5Dopen2(file, p, HDF5Library.defaultPlist)
            guard d >= 0 else { throw error(.io, p, HDF5Library.reason("cannot open dataset")) }
            defer { H5Dclose(d) }
            let fileSpace = H5Dget_space(d)
            defer { H5Sclose(fileSpace) }
            guard let shape = HDF5Objects.shape(ofSpace: fileSpace), !shape.isEmpty else {
                throw error(.shapeMismatch, p, "has no rows (scalar or null dataspace)")
            }
            let rowSize = shape.dropFirst().reduce(1, *)
            guard rowSize > 0 ? values.count % rowSize == 0 : values.isEmpty else {
                throw error(.invalidArgument, p, "\(values.count) values are not whole rows of \(rowSize)")
            }
            let rows = rowSize > 0 ? values.count / rowSize : 0
            guard startRow >= 0 && startRow + rows <= shape[0] else {
                throw error(.shapeMismatch, p, "rows \(startRow)..<\(startRow + rows) outside 0..<\(shape[0]) of shape \(shape)")
            }
            guard rows > 0 else { return }
            let memSpace = try HDF5Objects.selectRows(fileSpace, shape: shape, start: startRow, count: rows)
            defer { H5Sclose(memSpace) }
            let status = values.withUnsafeBufferPointer {
                H5Dwrite(d, HDF5Library.nativeType(T.hdf5ElementType), memSpace, fileSpace, HDF5Library.defaultPlist, $0.baseAddress)
            }
            guard status >= 0 else { throw error(.io, p, HDF5Library.reason("cannot write rows")) }
        }
    }

    /// Writes a one-dimensional dataset of variable-length UTF-8 strings (h5py reads it with
    /// `.asstr()`). Strings must not contain NUL characters.
    public func writeStrings(_ values: [String], to dataset: String) throws {
        try HDF5Library.locked {
            let p = try prepareNew(dataset)
            if let bad = values.firstIndex(where: { $0.utf8.contains(0) }) {
                throw error(.invalidArgument, p, "string \(bad) contains a NUL character")
            }
            let type = HDF5Library.variableStringType()
            defer { H5Tclose(type) }
            let space = makeSpace([values.count])
            defer { H5Sclose(space) }
            let dcpl = H5Pcreate(atf_h5p_dataset_create())
            defer { H5Pclose(dcpl) }
            let d = try createDataset(p, type: type, space: space, dcpl: dcpl)
            defer { H5Dclose(d) }
            guard !values.isEmpty else { return }
            let status = withCStrings(values) { pointers in
                H5Dwrite(d, type, atf_h5s_all(), atf_h5s_all(), HDF5Library.defaultPlist, pointers)
            }
            guard status >= 0 else { throw error(.io, p, HDF5Library.reason("cannot write strings")) }
        }
    }

    // MARK: - Groups and attributes

    /// Creates `group` and any missing parents; an existing group is left as it is.
    public func createGroup(_ group: String) throws {
        try HDF5Library.locked {
            try requireOpen(group)
            try createGroups(upTo: normalizedPath(group), includingLast: true)
        }
    }

    /// Sets (or replaces) attribute `name` on an existing `object` (default: the root group).
    public func setAttribute(_ name: String, _ value: HDF5AttributeValue, on object: String = "/") throws {
        try HDF5Library.locked {
            try requireOpen(object)
            let p = normalizedPath(object)
            let label = "\(p) attribute '\(name)'"
            guard !name.isEmpty, !name.utf8.contains(0) else {
                throw HDF5Error(.invalidArgument, file: path, object: label, reason: "invalid attribute name")
            }
            guard HDF5Objects.exists(file, p) else { throw error(.noSuchObject, p, "no such object to set '\(name)' on") }
            if H5Aexists_by_name(file, p, name, HDF5Library.defaultPlist) > 0 {
                H5Adelete_by_name(file, p, name, HDF5Library.defaultPlist)
            }
            let stringType = HDF5Library.variableStringType()
            defer { H5Tclose(stringType) }
            let type: hid_t, shape: [Int]
            switch value {
            case .string(let s):
                guard !s.utf8.contains(0) else {
                    throw HDF5Error(.invalidArgument, file: path, object: label, reason: "string contains a NUL character")
                }
                (type, shape) = (stringType, [])
            case .int: (type, shape) = (atf_h5t_native_int64(), [])
            case .double: (type, shape) = (atf_h5t_native_double(), [])
            case .ints(let v): (type, shape) = (atf_h5t_native_int64(), [v.count])
            case .doubles(let v): (type, shape) = (atf_h5t_native_double(), [v.count])
            }
            let space = makeSpace(shape)
            defer { H5Sclose(space) }
            let a = H5Acreate_by_name(file, p, name, type, space, HDF5Library.defaultPlist,
                                      HDF5Library.defaultPlist, HDF5Library.defaultPlist)
            guard a >= 0 else {
                throw HDF5Error(.io, file: path, object: label, reason: HDF5Library.reason("cannot create attribute"))
            }
            defer { H5Aclose(a) }
            var status: herr_t = 0
            switch value {
            case .string(let s): status = withCStrings([s]) { H5Awrite(a, type, $0) }
            case .int(let v): status = withUnsafePointer(to: v) { H5Awrite(a, type, $0) }
            case .double(let v): status = withUnsafePointer(to: v) { H5Awrite(a, type, $0) }
            case .ints(let v): if !v.isEmpty { status = v.withUnsafeBufferPointer { H5Awrite(a, type, $0.baseAddress) } }
            case .doubles(let v): if !v.isEmpty { status = v.withUnsafeBufferPointer { H5Awrite(a, type, $0.baseAddress) } }
            }
            guard status >= 0 else {
                throw HDF5Error(.io, file: path, object: label, reason: HDF5Library.reason("cannot write attribute"))
            }
        }
    }

    // MARK: - Commit

    /// Closes the file and renames it onto `path` (atomically replacing any previous file).
    /// The writer cannot be used afterwards.
    public func commit() throws {
        try HDF5Library.locked {
            try requireOpen("/")
            isOpen = false
            guard H5Fclose(file) >= 0 else {
                let reason = HDF5Library.reason("cannot finish temporary file \(temporaryPath)")
                unlink(temporaryPath)
                throw error(.io, "/", reason)
            }
            guard rename(temporaryPath, path) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporaryPath)
                throw error(.io, "/", "cannot rename \(temporaryPath) to the target: \(reason)")
            }
        }
    }

    // MARK: - Helpers (caller holds the lock)

    /// Chunk dimensions for `shape`: the whole dataset when it fits in `maximumChunkBytes`,
    /// otherwise halving (rounding up) the outermost dimension above 1 until it fits.
    public static func chunkShape(_ shape: [Int], elementBytes: Int) -> [Int] {
        var chunk = shape.map { max($0, 1) }
        while chunk.reduce(elementBytes, *) > maximumChunkBytes, let i = chunk.firstIndex(where: { $0 > 1 }) {
            chunk[i] = (chunk[i] + 1) / 2
        }
        return chunk
    }

    private func error(_ kind: HDF5Error.Kind, _ object: String, _ reason: String) -> HDF5Error {
        HDF5Error(kind, file: path, object: object, reason: reason)
    }

    private func requireOpen(_ object: String) throws {
        guard isOpen else { throw error(.writerClosed, normalizedPath(object), "writer already committed") }
    }

    /// Checks a dataset path is new and writable; returns it normalised.
    private func prepareNew(_ dataset: String) throws -> String {
        try requireOpen(dataset)
        let p = normalizedPath(dataset)
        guard p != "/" else { throw error(.invalidArgument, p, "the root group cannot be a dataset") }
        if let kind = HDF5Objects.kind(file, p) {
            throw error(.alreadyExists, p, "a \(kind.rawValue) of this name already exists")
        }
        // A parent that exists but is a dataset would make HDF5 fail obscurely: say so plainly.
        for prefix in pathPrefixes(p).dropLast() {
            if let kind = HDF5Objects.kind(file, prefix), kind != .group {
                throw error(.wrongObjectKind, p, "parent \(prefix) is a \(kind.rawValue), not a group")
            }
        }
        return p
    }

    /// Checks a new numeric dataset's path, shape and gzip level; returns the path and count.
    private func validateNew(_ dataset: String, shape: [Int], gzipLevel: Int?) throws -> (String, Int) {
        let p = try prepareNew(dataset)
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw error(.invalidArgument, p, "negative dimension in shape \(shape)")
        }
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw error(.invalidArgument, p, "shape \(shape) is too large") }
            count = product
        }
        if let level = gzipLevel, !(0...9).contains(level) {
            throw error(.invalidArgument, p, "gzip level \(level) is outside 0...9")
        }
        return (p, count)
    }

    /// Creates the dataset (caller closes the returned id).
    private func createNumeric<T: HDF5Scalar>(_ type: T.Type, _ p: String, shape: [Int], count: Int,
                                              gzipLevel: Int?) throws -> hid_t {
        let space = makeSpace(shape)
        defer { H5Sclose(space) }
        let dcpl = H5Pcreate(atf_h5p_dataset_create())
        defer { H5Pclose(dcpl) }
        if let level = gzipLevel, !shape.isEmpty, count > 0 {
            var chunk = HDF5Writer.chunkShape(shape, elementBytes: MemoryLayout<T>.stride).map { hsize_t($0) }
            H5Pset_chunk(dcpl, Int32(chunk.count), &chunk)
            H5Pset_deflate(dcpl, UInt32(level))
        }
        return try createDataset(p, type: HDF5Library.nativeType(T.hdf5ElementType), space: space, dcpl: dcpl)
    }

    /// Creates the missing groups along `p` (its parents; and `p` itself if `includingLast`),
    /// untimed. Call inside HDF5Library.locked.
    private func createGroups(upTo p: String, includingLast: Bool) throws {
        for prefix in pathPrefixes(p).dropLast(includingLast ? 0 : 1) {
            if let kind = HDF5Objects.kind(file, prefix) {
                guard kind == .group else { throw error(.alreadyExists, prefix, "exists as a \(kind.rawValue), not a group") }
                continue
            }
            let gcpl = H5Pcreate(atf_h5p_group_create())
            defer { H5Pclose(gcpl) }
            H5Pset_obj_track_times(gcpl, false)
            let g = H5Gcreate2(file, prefix, HDF5Library.defaultPlist, gcpl, HDF5Library.defaultPlist)
            guard g >= 0 else { throw error(.io, prefix, HDF5Library.reason("cannot create group")) }
            H5Gclose(g)
        }
    }

    private func makeSpace(_ shape: [Int]) -> hid_t {
        if shape.isEmpty { return H5Screate(H5S_SCALAR) }
        var dims = shape.map { hsize_t($0) }
        return H5Screate_simple(Int32(dims.count), &dims, nil)
    }

    private func createDataset(_ p: String, type: hid_t, space: hid_t, dcpl: hid_t) throws -> hid_t {
        try createGroups(upTo: p, includingLast: false)
        H5Pset_obj_track_times(dcpl, false)
        let d = H5Dcreate2(file, p, type, space, HDF5Library.defaultPlist, dcpl, HDF5Library.defaultPlist)
        guard d >= 0 else { throw error(.io, p, HDF5Library.reason("cannot create dataset")) }
        return d
    }
}

/// Calls `body` with a C array of NUL-terminated copies of `strings` (valid only inside).
private func withCStrings<R>(_ strings: [String], _ body: (UnsafeRawPointer) -> R) -> R {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return copies.withUnsafeBufferPointer { body(UnsafeRawPointer($0.baseAddress!)) }
}
