// HDF5Storage: the project's only door to HDF5 files (fixtures, checkpoints, intermediates).
//
// Goals, in order: (1) files that h5py and other HDF5 readers open without a translation table
// (plain groups, native little-endian numeric types, variable-length UTF-8 strings);
// (2) never a half-written file: writers fill a temporary file beside the target and rename it on
// commit; (3) every failure is one line naming the file, the object and the reason, never a crash
// or HDF5's own multi-line error stack; (4) safe from concurrent Swift tasks: every HDF5 call is
// serialised through one lock (see HDF5Library).

/// The element types a numeric dataset can be read into or written from.
public enum HDF5ElementType: String, Sendable, CaseIterable {
    case float32, float64, int32, int64, uint8
}

/// Element types HDF5Storage can read and write: Float, Double, Int32, Int64, UInt8.
public protocol HDF5Scalar: Sendable {
    /// The HDF5 native type this Swift type maps to.
    static var hdf5ElementType: HDF5ElementType { get }
}

extension Float: HDF5Scalar { public static var hdf5ElementType: HDF5ElementType { .float32 } }
extension Double: HDF5Scalar { public static var hdf5ElementType: HDF5ElementType { .float64 } }
extension Int32: HDF5Scalar { public static var hdf5ElementType: HDF5ElementType { .int32 } }
extension Int64: HDF5Scalar { public static var hdf5ElementType: HDF5ElementType { .int64 } }
extension UInt8: HDF5Scalar { public static var hdf5ElementType: HDF5ElementType { .uint8 } }

/// A dense array in row-major (C) order, as HDF5 and numpy store it. `shape == []` is a scalar
/// (one value); a zero in the shape means no values.
public struct HDF5Array<Element: HDF5Scalar> {
    public var shape: [Int]
    public var values: [Element]

    public init(shape: [Int], values: [Element]) {
        self.shape = shape
        self.values = values
    }
}

extension HDF5Array: Equatable where Element: Equatable {}
extension HDF5Array: Sendable {}

/// An attribute value. Scalars are stored with a scalar dataspace, arrays as one-dimensional;
/// reading gives back the same case (an integer or float attribute of any rank other than 0
/// reads as `.ints` / `.doubles`, flattened). Strings are variable-length UTF-8.
public enum HDF5AttributeValue: Equatable, Sendable, CustomStringConvertible {
    case string(String)
    case int(Int64)
    case double(Double)
    case ints([Int64])
    case doubles([Double])

    public var description: String {
        switch self {
        case .string(let s): return "\"\(s)\""
        case .int(let v): return String(v)
        case .double(let v): return String(v)
        case .ints(let v): return "[" + v.map(String.init).joined(separator: ", ") + "]"
        case .doubles(let v): return "[" + v.map { String($0) }.joined(separator: ", ") + "]"
        }
    }
}

/// What kind of object a path names.
public enum HDF5ObjectKind: String, Sendable {
    case group, dataset, other
}

/// Shape and storage of a dataset, for listing (`atflrec inspect`) and checks.
public struct HDF5DatasetInfo: Equatable, Sendable {
    /// Dimensions; [] for a scalar dataset.
    public var shape: [Int]
    /// The stored element type in numpy-like words: "float32", "int64", "uint8",
    /// "string (variable length, UTF-8)", "string (fixed 8 bytes, ASCII)", "compound", ...
    public var storedType: String
    /// True for strings (read with readStrings), false for numbers (read with read).
    public var isString: Bool
    /// Chunk dimensions when the dataset is chunked.
    public var chunkShape: [Int]?
    /// The gzip (deflate) level when the dataset is compressed with it.
    public var gzipLevel: Int?
}

/// One failure, printed as one line: `file: object: reason`.
public struct HDF5Error: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, for callers that react differently (tests check it too).
    public enum Kind: String, Sendable {
        case missingFile, notHDF5, noSuchObject, wrongObjectKind, shapeMismatch, typeMismatch,
             invalidArgument, alreadyExists, writerClosed, io
    }

    public let kind: Kind
    public let file: String
    public let object: String
    public let reason: String

    public init(_ kind: Kind, file: String, object: String, reason: String) {
        self.kind = kind
        self.file = file
        self.object = object
        // Keep the promise of one line even when HDF5's message carries a newline.
        self.reason = reason.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    public var description: String { "\(file): \(object): \(reason)" }
}
