import Foundation
import TensorCore

// The safetensors format (huggingface/safetensors, docs "Format"): an 8-byte little-endian header
// length N, N bytes of JSON mapping tensor names to {dtype, shape, data_offsets: [begin, end]}
// (offsets relative to the byte after the header) plus an optional "__metadata__" entry, then the
// raw little-endian data. F32 is read as is; F16 and BF16 are widened to Float; integer tensors
// (e.g. BERT's I64 `embeddings.position_ids`) are skipped by `floatTensors`.

public struct SafetensorsError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public struct SafetensorsFile {
    public struct Entry: Sendable, Equatable {
        public var dtype: String
        public var shape: [Int]
        public var begin: Int
        public var end: Int
    }

    public let path: String
    /// Entries by name, and the names in ascending order.
    public let entries: [String: Entry]
    public let names: [String]
    let data: Data
    let dataStart: Int

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SafetensorsError("\(path): cannot be read")
        }
        guard data.count >= 8 else { throw SafetensorsError("\(path): shorter than the 8-byte header length") }
        let n = data.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        guard n > 1, n <= data.count - 8 else { throw SafetensorsError("\(path): header length \(n) exceeds the file") }
        let headerData = data.subdata(in: 8..<(8 + n))
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw SafetensorsError("\(path): header is not a JSON object")
        }
        var entries: [String: Entry] = [:]
        let payload = data.count - 8 - n
        for (name, value) in header where name != "__metadata__" {
            guard let e = value as? [String: Any], let dtype = e["dtype"] as? String, let shape = e["shape"] as? [Int],
                  let offsets = e["data_offsets"] as? [Int], offsets.count == 2 else {
                throw SafetensorsError("\(path): tensor '\(name)' has a malformed header entry")
            }
            guard offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= payload else {
                throw SafetensorsError("\(path): tensor '\(name)' data offsets \(offsets) exceed the file")
            }
            if let width = Self.byteWidth(dtype), shape.reduce(1, *) * width != offsets[1] - offsets[0] {
                throw SafetensorsError("\(path): tensor '\(name)' of shape \(shape) and dtype \(dtype) does not fit \(offsets[1] - offsets[0]) bytes")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
        }
        self.path = path
        self.entries = entries
        self.names = entries.keys.sorted()
        self.data = data
        self.dataStart = 8 + n
    }

    static func byteWidth(_ dtype: String) -> Int? {
        switch dtype {
        case "F64", "I64", "U64": return 8
        case "F32", "I32", "U32": return 4
        case "F16", "BF16", "I16", "U16": return 2
        case "I8", "U8", "BOOL": return 1
        default: return nil
        }
    }

    /// The tensor `name` as Float (F32, F16, BF16); an error names the file and tensor otherwise.
    public func tensor(_ name: String) throws -> Tensor<Float> {
        guard let e = entries[name] else { throw SafetensorsError("\(path): no tensor '\(name)'") }
        let count = e.shape.reduce(1, *)
        var out = [Float](repeating: 0, count: count)
        data.withUnsafeBytes { raw in
            let base = raw.baseAddress! + dataStart + e.begin
            switch e.dtype {
            case "F32":
                for i in 0..<count { out[i] = Float(bitPattern: UInt32(littleEndian: (base + 4 * i).loadUnaligned(as: UInt32.self))) }
            case "F16":
                for i in 0..<count { out[i] = Float(Float16(bitPattern: UInt16(littleEndian: (base + 2 * i).loadUnaligned(as: UInt16.self)))) }
            case "BF16":
                for i in 0..<count { out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: (base + 2 * i).loadUnaligned(as: UInt16.self))) << 16) }
            default:
                break
            }
        }
        guard ["F32", "F16", "BF16"].contains(e.dtype) else {
            throw SafetensorsError("\(path): tensor '\(name)' has dtype \(e.dtype), not a float type")
        }
        return Tensor(shape: e.shape, scalars: out)
    }

    /// Every floating-point tensor by name, with `stripPrefixes` ("bert.", "roberta.") removed;
    /// integer tensors are skipped.
    public func floatTensors(stripPrefixes: [String] = ["bert.", "roberta."]) throws -> [(String, Tensor<Float>)] {
        try names.filter { ["F32", "F16", "BF16"].contains(entries[$0]!.dtype) }.map { name in
            var key = name
            for p in stripPrefixes where key.hasPrefix(p) { key.removeFirst(p.count) }
            return (key, try tensor(name))
        }
    }
}
