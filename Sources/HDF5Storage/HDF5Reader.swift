import CHDF5
import Foundation

/// Reads an HDF5 file (read-only). Object paths may be written "a/b" or "/a/b".
///
/// Every failure throws an `HDF5Error` naming the file, the object and the reason. Safe to use
/// from several tasks: all HDF5 calls are serialised.
public final class HDF5Reader: @unchecked Sendable {
    public let path: String
    private let file: hid_t

    /// Opens `path`. Throws `.missingFile` when it does not exist and `.notHDF5` when it is not
    /// an HDF5 file or is truncated.
    public init(path: String) throws {
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw HDF5Error(.missingFile, file: path, object: "/", reason: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw HDF5Error(.notHDF5, file: path, object: "/", reason: "is a directory, not an HDF5 file")
        }
        file = try HDF5Library.locked {
            let fapl = HDF5Library.fileAccessList()
            defer { H5Pclose(fapl) }
            let id = H5Fopen(path, atf_h5f_acc_rdonly(), fapl)
            guard id >= 0 else {
                // H5Fis_hdf5 would tell "not HDF5" apart up front, but it opens the file with
                // default (locking) properties; HDF5's own message says it just as well.
                let detail = HDF5Library.takeErrorText()
                if detail.contains("signature not found") {
                    throw HDF5Error(.notHDF5, file: path, object: "/", reason: "not an HDF5 file (no HDF5 signature)")
                }
                throw HDF5Error(.notHDF5, file: path, object: "/",
                                reason: "cannot open as HDF5 (damaged or truncated?)" + (detail.isEmpty ? "" : " (HDF5: \(detail))"))
            }
            return id
        }
    }

    deinit {
        let f = file
        HDF5Library.locked { _ = H5Fclose(f) }
    }

    // MARK: - Structure

    /// Whether `path` names an existing object (group or dataset). Never throws.
    public func exists(_ path: String) -> Bool {
        HDF5Library.locked { HDF5Objects.exists(file, normalizedPath(path)) }
    }

    /// The kind of object at `path`, nil when there is none.
    public func kind(of path: String) -> HDF5ObjectKind? {
        HDF5Library.locked { HDF5Objects.kind(file, normalizedPath(path)) }
    }

    /// Names (not paths) of the members of `group`, sorted.
    public func children(of group: String) throws -> [String] {
        try HDF5Library.locked {
            let g = normalizedPath(group)
            try requireKind(.group, g)
            var info = H5G_info_t()
            guard H5Gget_info_by_name(file, g, &info, HDF5Library.defaultPlist) >= 0 else {
                throw error(.io, g, HDF5Library.reason("cannot list the group"))
            }
            var names: [String] = []
            for i in 0..<info.nlinks {
                let length = H5Lget_name_by_idx(file, g, H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, HDF5Library.defaultPlist)
                guard length >= 0 else { throw error(.io, g, HDF5Library.reason("cannot read member \(i)")) }
                var buffer = [CChar](repeating: 0, count: Int(length) + 1)
                H5Lget_name_by_idx(file, g, H5_INDEX_NAME, H5_ITER_INC, i, &buffer, buffer.count, HDF5Library.defaultPlist)
                names.append(String(cString: buffer))
            }
            return names.sorted()
        }
    }

    /// Shape, stored type, chunking and compression of a dataset.
    public func datasetInfo(_ dataset: String) throws -> HDF5DatasetInfo {
        try HDF5Library.locked {
            let p = normalizedPath(dataset)
            let d = try openDataset(p)
            defer { H5Dclose(d) }
            let t = H5Dget_type(d)
            defer { H5Tclose(t) }
            let shape = try datasetShape(d, p)
            var info = HDF5DatasetInfo(shape: shape, storedType: HDF5Objects.describe(type: t),
                                       isString: H5Tget_class(t) == H5T_STRING, chunkShape: nil, gzipLevel: nil)
            let plist = H5Dget_create_plist(d)
            defer { H5Pclose(plist) }
            if H5Pget_layout(plist) == H5D_CHUNKED {
                var dims = [hsize_t](repeating: 0, count: max(shape.count, 1))
                let rank = Int(H5Pget_chunk(plist, Int32(dims.count), &dims))
                if rank >= 0 { info.chunkShape = dims.prefix(rank).map { Int($0) } }
            }
            for i in 0..<max(H5Pget_nfilters(plist), 0) {
                var flags: UInt32 = 0
                var count = 1
                var values: [UInt32] = [0]
                var config: UInt32 = 0
                let filter = H5Pget_filter2(plist, UInt32(i), &flags, &count, &values, 0, nil, &config)
                if filter == atf_h5z_filter_deflate() { info.gzipLevel = count > 0 ? Int(values[0]) : nil }
            }
            return info
        }
    }

    // MARK: - Numeric datasets

    /// Reads a numeric dataset of any rank into `type`; HDF5 converts the stored type (for
    /// example int64 to Float, float64 to Float). Strings or other non-numeric types throw
    /// `.typeMismatch`.
    public func read<T: HDF5Scalar>(_ type: T.Type, _ dataset: String) throws -> HDF5Array<T> {
        try read(type, dataset, expectShape: nil)
    }

    /// As `read(_:_:)`, and throws `.shapeMismatch` naming both shapes unless the stored shape
    /// equals `expectShape` (checked before any data is read).
    public func read<T: HDF5Scalar>(_ type: T.Type, _ dataset: String, expectShape: [Int]?) throws -> HDF5Array<T> {
        try withNumericDataset(type, dataset) { d, p, t, shape in
            if let expected = expectShape, expected != shape {
                throw error(.shapeMismatch, p, "shape \(shape) where \(expected) was expected")
            }
            let count = shape.reduce(1, *)
            let memType = HDF5Library.nativeType(T.hdf5ElementType)
            var status: herr_t = 0
            let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                if count > 0 {
                    status = H5Dread(d, memType, atf_h5s_all(), atf_h5s_all(), HDF5Library.defaultPlist, buffer.baseAddress)
                }
                initialized = status >= 0 ? count : 0
            }
            guard status >= 0 else {
                throw error(.io, p, HDF5Library.reason("cannot read \(HDF5Objects.describe(type: t)) as \(T.self)"))
            }
            return HDF5Array(shape: shape, values: values)
        }
    }

    /// Reads rows `rows` (a range along the first dimension) of a numeric dataset: shape
    /// `[rows.count] + shape.dropFirst()`. Only those rows are read from the file.
    public func read<T: HDF5Scalar>(_ type: T.Type, _ dataset: String, rows: Range<Int>) throws -> HDF5Array<T> {
        try withNumericDataset(type, dataset) { d, p, _, shape in
            guard let first = shape.first else { throw error(.shapeMismatch, p, "is a scalar; it has no rows") }
            guard rows.lowerBound >= 0 && rows.upperBound <= first else {
                throw error(.shapeMismatch, p, "rows \(rows.lowerBound)..<\(rows.upperBound) outside 0..<\(first) of shape \(shape)")
            }
            let outShape = [rows.count] + shape.dropFirst()
            let count = outShape.reduce(1, *)
            guard count > 0 else { return HDF5Array(shape: outShape, values: []) }
            let fileSpace = H5Dget_space(d)
            defer { H5Sclose(fileSpace) }
            let memSpace = try HDF5Objects.selectRows(fileSpace, shape: shape, start: rows.lowerBound, count: rows.count)
            defer { H5Sclose(memSpace) }
            var status: herr_t = 0
            let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                status = H5Dread(d, HDF5Library.nativeType(T.hdf5ElementType), memSpace, fileSpace,
                                 HDF5Library.defaultPlist, buffer.baseAddress)
                initialized = status >= 0 ? count : 0
            }
            guard status >= 0 else {
                throw error(.io, p, HDF5Library.reason("cannot read rows \(rows.lowerBound)..<\(rows.upperBound)"))
            }
            return HDF5Array(shape: outShape, values: values)
        }
    }

    /// Reads a dataset holding exactly one value (shape [] or any shape with one element).
    public func readScalar<T: HDF5Scalar>(_ type: T.Type, _ dataset: String) throws -> T {
        let array = try read(type, dataset)
        guard array.values.count == 1 else {
            throw HDF5Error(.shapeMismatch, file: path, object: normalizedPath(dataset),
                            reason: "shape \(array.shape) holds \(array.values.count) values where one was expected")
        }
        return array.values[0]
    }

    // MARK: - String datasets

    /// Reads a string dataset (variable- or fixed-length, any rank, flattened in row-major order).
    public func readStrings(_ dataset: String) throws -> [String] {
        try HDF5Library.locked {
            let p = normalizedPath(dataset)
            let d = try openDataset(p)
            defer { H5Dclose(d) }
            let t = H5Dget_type(d)
            defer { H5Tclose(t) }
            guard H5Tget_class(t) == H5T_STRING else {
                throw error(.typeMismatch, p, "stored as \(HDF5Objects.describe(type: t)), not strings")
            }
            let space = H5Dget_space(d)
            defer { H5Sclose(space) }
            let count = try datasetShape(d, p).reduce(1, *)
            guard let strings = HDF5Objects.readStrings(count: count, fileType: t, space: space, read: { memType, buffer in
                H5Dread(d, memType, atf_h5s_all(), atf_h5s_all(), HDF5Library.defaultPlist, buffer)
            }) else {
                throw error(.io, p, HDF5Library.reason("cannot read strings"))
            }
            return strings
        }
    }

    // MARK: - Attributes

    /// Names of the attributes of `object`, sorted.
    public func attributeNames(of object: String = "/") throws -> [String] {
        try HDF5Library.locked {
            let p = normalizedPath(object)
            try requireExists(p)
            var names: [String] = []
            var index: hsize_t = 0
            while true {
                let length = H5Aget_name_by_idx(file, p, H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, HDF5Library.defaultPlist)
                if length < 0 { H5Eclear2(atf_h5e_default()); break }
                var buffer = [CChar](repeating: 0, count: Int(length) + 1)
                H5Aget_name_by_idx(file, p, H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, HDF5Library.defaultPlist)
                names.append(String(cString: buffer))
                index += 1
            }
            return names.sorted()
        }
    }

    /// The attribute `name` of `object` (default: the root group).
    public func attribute(_ name: String, of object: String = "/") throws -> HDF5AttributeValue {
        try HDF5Library.locked {
            let p = normalizedPath(object)
            try requireExists(p)
            let label = "\(p) attribute '\(name)'"
            guard H5Aexists_by_name(file, p, name, HDF5Library.defaultPlist) > 0 else {
                H5Eclear2(atf_h5e_default())
                throw HDF5Error(.noSuchObject, file: path, object: label, reason: "no such attribute")
            }
            let a = H5Aopen_by_name(file, p, name, HDF5Library.defaultPlist, HDF5Library.defaultPlist)
            guard a >= 0 else {
                throw HDF5Error(.io, file: path, object: label, reason: HDF5Library.reason("cannot open"))
            }
            defer { H5Aclose(a) }
            let t = H5Aget_type(a)
            defer { H5Tclose(t) }
            let space = H5Aget_space(a)
            defer { H5Sclose(space) }
            guard let shape = HDF5Objects.shape(ofSpace: space) else {
                throw HDF5Error(.typeMismatch, file: path, object: label, reason: "has no value (null dataspace)")
            }
            let count = shape.reduce(1, *)
            func fail(_ what: String) -> HDF5Error {
                HDF5Error(.io, file: path, object: label, reason: HDF5Library.reason(what))
            }
            switch H5Tget_class(t) {
            case H5T_STRING:
                guard count == 1 else {
                    throw HDF5Error(.typeMismatch, file: path, object: label,
                                    reason: "holds \(count) strings; only single-string attributes are supported")
                }
                guard let strings = HDF5Objects.readStrings(count: 1, fileType: t, space: space, read: { H5Aread(a, $0, $1) }) else {
                    throw fail("cannot read string")
                }
                return .string(strings[0])
            case H5T_INTEGER:
                var values = [Int64](repeating: 0, count: count)
                if count > 0 {
                    guard H5Aread(a, atf_h5t_native_int64(), &values) >= 0 else { throw fail("cannot read integers") }
                }
                return shape.isEmpty ? .int(values[0]) : .ints(values)
            case H5T_FLOAT:
                var values = [Double](repeating: 0, count: count)
                if count > 0 {
                    guard H5Aread(a, atf_h5t_native_double(), &values) >= 0 else { throw fail("cannot read floats") }
                }
                return shape.isEmpty ? .double(values[0]) : .doubles(values)
            default:
                throw HDF5Error(.typeMismatch, file: path, object: label,
                                reason: "stored as \(HDF5Objects.describe(type: t)); only strings, integers and floats are supported")
            }
        }
    }

    // MARK: - Helpers (caller holds the lock)

    private func error(_ kind: HDF5Error.Kind, _ object: String, _ reason: String) -> HDF5Error {
        HDF5Error(kind, file: path, object: object, reason: reason)
    }

    private func requireExists(_ p: String) throws {
        guard HDF5Objects.exists(file, p) else { throw error(.noSuchObject, p, "no such object") }
    }

    private func requireKind(_ kind: HDF5ObjectKind, _ p: String) throws {
        guard let actual = HDF5Objects.kind(file, p) else { throw error(.noSuchObject, p, "no such \(kind.rawValue)") }
        guard actual == kind else { throw error(.wrongObjectKind, p, "is a \(actual.rawValue), not a \(kind.rawValue)") }
    }

    /// Opens `dataset` under the library lock, checks it holds numbers (readable as any `T`) and
    /// has a dataspace, and calls `body` with the dataset, its normalised path, its stored type
    /// and its shape; both handles are closed afterwards. `body` runs under the lock too.
    private func withNumericDataset<T, R>(_ type: T.Type, _ dataset: String,
                                          _ body: (hid_t, String, hid_t, [Int]) throws -> R) throws -> R {
        try HDF5Library.locked {
            let p = normalizedPath(dataset)
            let d = try openDataset(p)
            defer { H5Dclose(d) }
            let t = H5Dget_type(d)
            defer { H5Tclose(t) }
            guard HDF5Objects.isNumeric(type: t) else {
                throw error(.typeMismatch, p, "stored as \(HDF5Objects.describe(type: t)), cannot be read as \(T.self)")
            }
            return try body(d, p, t, try datasetShape(d, p))
        }
    }

    private func openDataset(_ p: String) throws -> hid_t {
        try requireKind(.dataset, p)
        let d = H5Dopen2(file, p, HDF5Library.defaultPlist)
        guard d >= 0 else { throw error(.io, p, HDF5Library.reason("cannot open dataset")) }
        return d
    }

    private func datasetShape(_ d: hid_t, _ p: String) throws -> [Int] {
        let space = H5Dget_space(d)
        defer { H5Sclose(space) }
        guard let shape = HDF5Objects.shape(ofSpace: space) else {
            throw error(.typeMismatch, p, "has no data (null dataspace)")
        }
        return shape
    }
}
