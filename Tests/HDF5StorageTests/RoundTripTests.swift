import Foundation
import HDF5Storage
import Testing
import TestSupport

// Write-then-read round trips through HDF5Storage itself. Values are compared exactly: HDF5 stores
// the bytes of native types unchanged, so any difference is a bug, not rounding.

@Suite struct RoundTripTests {
    let directory: URL
    init() throws { directory = try Fixtures.temporaryDirectory("hdf5-roundtrip") }

    private func file(_ name: String) -> String { directory.appendingPathComponent(name).path }

    @Test func everyElementTypeAndRank() throws {
        let path = file("types.h5")
        let w = try HDF5Writer(path: path)
        let f32: [Float] = (0..<24).map { Float($0) * 0.25 - 3 }
        let f64: [Double] = (0..<6).map { Double($0) / 7 }
        let i32: [Int32] = [Int32.min, -1, 0, 1, Int32.max]
        let i64: [Int64] = [Int64.min, -(1 << 40), 0, 1 << 40, Int64.max, 7]
        let u8: [UInt8] = (0...255).map { UInt8($0) }
        try w.write(f32, shape: [2, 3, 4], to: "numbers/f32")
        try w.write(f64, shape: [3, 2], to: "numbers/f64")
        try w.write(i32, shape: [5], to: "/numbers/i32")
        try w.write(i64, shape: [1, 2, 3], to: "numbers/deeper/i64")
        try w.write(u8, shape: [16, 16], to: "u8")
        try w.write([Double.pi], shape: [], to: "scalar")
        try w.write([Float](), shape: [0], to: "empty1")
        try w.write([Int64](), shape: [3, 0], to: "empty2", gzipLevel: 4)
        try w.write([Float(2.5)], shape: [], to: "scalar_gzip", gzipLevel: 9)
        try w.commit()

        let r = try HDF5Reader(path: path)
        #expect(try r.read(Float.self, "numbers/f32") == HDF5Array(shape: [2, 3, 4], values: f32))
        #expect(try r.read(Double.self, "/numbers/f64") == HDF5Array(shape: [3, 2], values: f64))
        #expect(try r.read(Int32.self, "numbers/i32") == HDF5Array(shape: [5], values: i32))
        #expect(try r.read(Int64.self, "numbers/deeper/i64") == HDF5Array(shape: [1, 2, 3], values: i64))
        #expect(try r.read(UInt8.self, "u8") == HDF5Array(shape: [16, 16], values: u8))
        #expect(try r.read(Double.self, "scalar") == HDF5Array(shape: [], values: [Double.pi]))
        #expect(try r.readScalar(Double.self, "scalar") == Double.pi)
        #expect(try r.read(Float.self, "empty1") == HDF5Array(shape: [0], values: []))
        #expect(try r.read(Int64.self, "empty2") == HDF5Array(shape: [3, 0], values: []))
        #expect(try r.read(Float.self, "scalar_gzip") == HDF5Array(shape: [], values: [2.5]))
        #expect(try r.datasetInfo("numbers/f32").storedType == "float32")
        #expect(try r.datasetInfo("numbers/f64").storedType == "float64")
        #expect(try r.datasetInfo("numbers/i32").storedType == "int32")
        #expect(try r.datasetInfo("numbers/deeper/i64").storedType == "int64")
        #expect(try r.datasetInfo("u8").storedType == "uint8")
        #expect(try r.datasetInfo("scalar").shape == [])
        // Scalars and empty datasets cannot be chunked; they are stored plainly.
        #expect(try r.datasetInfo("empty2").chunkShape == nil)
        #expect(try r.datasetInfo("scalar_gzip").gzipLevel == nil)
    }

    @Test func storedTypeIsConvertedOnRead() throws {
        let path = file("convert.h5")
        let w = try HDF5Writer(path: path)
        try w.write([Int64(-3), 0, 1 << 20], shape: [3], to: "ints")
        try w.write([0.1, -2.5, 1e10], shape: [3], to: "doubles")
        try w.write([UInt8(0), 200, 255], shape: [3], to: "bytes")
        try w.commit()
        let r = try HDF5Reader(path: path)
        #expect(try r.read(Float.self, "ints").values == [-3, 0, 1_048_576])
        #expect(try r.read(Float.self, "doubles").values == [Float(0.1), -2.5, 1e10])
        #expect(try r.read(Double.self, "bytes").values == [0, 200, 255])
        #expect(try r.read(Int32.self, "bytes").values == [0, 200, 255])
    }

    @Test func compressedChunkedDatasets() throws {
        let path = file("gzip.h5")
        let w = try HDF5Writer(path: path)
        // 600 x 1000 Float = 2.4 MB: more than one 1 MiB chunk.
        let big: [Float] = (0..<600_000).map { Float($0 % 1000) }
        try w.write(big, shape: [600, 1000], to: "big", gzipLevel: 4)
        try w.write([Double](repeating: 1, count: 10), shape: [10], to: "small", gzipLevel: 1)
        try w.commit()
        let r = try HDF5Reader(path: path)
        #expect(try r.read(Float.self, "big").values == big)
        let info = try r.datasetInfo("big")
        #expect(info.gzipLevel == 4)
        #expect(info.chunkShape == [150, 1000])  // 600 -> 300 -> 150 rows: 600 KB per chunk
        #expect(try r.datasetInfo("small").chunkShape == [10])
        // Highly regular data compresses: the file must be far smaller than the raw 2.4 MB.
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? .max
        #expect(size < 400_000)
    }

    @Test func chunkShapeHalvesOutermostFirst() {
        #expect(HDF5Writer.chunkShape([10, 10], elementBytes: 4) == [10, 10])
        #expect(HDF5Writer.chunkShape([1, 1 << 19], elementBytes: 4) == [1, 1 << 18])
        #expect(HDF5Writer.chunkShape([3, 1 << 18], elementBytes: 8) == [1, 1 << 17])
        #expect(HDF5Writer.chunkShape([0, 5], elementBytes: 4) == [1, 5])
    }

    @Test func strings() throws {
        let path = file("strings.h5")
        let values = ["plain", "", "héllo wörld", "音频与文本", "emoji 🎵 #tag", String(repeating: "x", count: 5000)]
        let w = try HDF5Writer(path: path)
        try w.writeStrings(values, to: "text/titles")
        try w.writeStrings([], to: "text/none")
        try w.commit()
        let r = try HDF5Reader(path: path)
        #expect(try r.readStrings("text/titles") == values)
        #expect(try r.readStrings("text/none") == [])
        #expect(try r.datasetInfo("text/titles").storedType == "string (variable length, UTF-8)")
        #expect(try r.datasetInfo("text/titles").isString)
    }

    @Test func attributes() throws {
        let path = file("attributes.h5")
        let w = try HDF5Writer(path: path)
        try w.createGroup("model/layers")
        try w.write([Float(1)], shape: [1], to: "model/weight")
        let values: [(String, HDF5AttributeValue)] = [
            ("format_version", .int(3)), ("name", .string("ATFLRec — 音频")), ("lr", .double(1e-4)),
            ("shape", .ints([2, 3, -4])), ("scales", .doubles([0.5, -1e-300, .infinity])),
            ("empty_ints", .ints([])), ("empty_string", .string("")),
        ]
        for (name, value) in values {
            try w.setAttribute(name, value)
            try w.setAttribute(name, value, on: "model/layers")
            try w.setAttribute(name, value, on: "/model/weight")
        }
        try w.setAttribute("lr", .double(2e-4))  // replaces
        // 20,000 doubles (160 KB) exceed the 64 KiB limit of the old object header format.
        let large = (0..<20_000).map { Double($0) }
        try w.setAttribute("large", .doubles(large), on: "model")
        try w.setAttribute("config_json", .string(String(repeating: "{\"k\": 1}", count: 20_000)), on: "model")
        try w.commit()

        let r = try HDF5Reader(path: path)
        for object in ["/", "model/layers", "model/weight"] {
            for (name, value) in values where !(object == "/" && name == "lr") {
                #expect(try r.attribute(name, of: object) == value, "\(object) \(name)")
            }
            #expect(try r.attributeNames(of: object) == values.map(\.0).sorted())
        }
        #expect(try r.attribute("lr") == .double(2e-4))
        #expect(try r.attribute("large", of: "model") == .doubles(large))
        #expect(try r.attribute("config_json", of: "model") == .string(String(repeating: "{\"k\": 1}", count: 20_000)))
        #expect(try r.attributeNames(of: "model") == ["config_json", "large"])
    }

    @Test func listingAndExistence() throws {
        let path = file("tree.h5")
        let w = try HDF5Writer(path: path)
        try w.write([Float(0)], shape: [1], to: "b/z")
        try w.write([Float(0)], shape: [1], to: "b/a")
        try w.createGroup("a/empty")
        try w.createGroup("a/empty")  // idempotent
        try w.writeStrings(["s"], to: "c")
        try w.commit()
        let r = try HDF5Reader(path: path)
        #expect(try r.children(of: "/") == ["a", "b", "c"])
        #expect(try r.children(of: "b") == ["a", "z"])
        #expect(try r.children(of: "/a/empty") == [])
        #expect(r.exists("/") && r.exists("b/z") && r.exists("/a/empty/") && r.exists("c"))
        #expect(!r.exists("b/y") && !r.exists("missing/deeper/path") && !r.exists("c/under_dataset"))
        #expect(r.kind(of: "b") == .group)
        #expect(r.kind(of: "b/a") == .dataset)
        #expect(r.kind(of: "nothing") == nil)
    }

    /// Tasks hammer the library from several threads at once; the lock must keep every file whole.
    @Test func concurrentWritersAndReaders() async throws {
        let dir = directory
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<8 {
                group.addTask {
                    let path = dir.appendingPathComponent("concurrent-\(t).h5").path
                    let values = (0..<5000).map { Double($0 * (t + 1)) }
                    for round in 0..<5 {
                        let w = try HDF5Writer(path: path)
                        try w.write(values, shape: [50, 100], to: "g\(round)/values", gzipLevel: round % 2 == 0 ? nil : 3)
                        try w.setAttribute("task", .int(Int64(t)), on: "g\(round)")
                        try w.commit()
                        let r = try HDF5Reader(path: path)
                        #expect(try r.read(Double.self, "g\(round)/values").values == values)
                        #expect(try r.attribute("task", of: "g\(round)") == .int(Int64(t)))
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
