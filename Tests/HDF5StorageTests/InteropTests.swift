import Foundation
import HDF5Storage
import Testing
import TestSupport

// Files cross the language boundary both ways: h5py reads what Swift wrote, Swift reads what
// h5py wrote. Both sides spell out the expected contents independently (here and in
// Tests/Interop/h5py_interop.py) and compare exactly. These tests run in CI: a missing Python
// or h5py is a failure with instructions, not a skip.

@Suite struct InteropTests {
    @Test func h5pyReadsWhatSwiftWrote() throws {
        let dir = try Fixtures.temporaryDirectory("hdf5-interop-swift")
        let path = dir.appendingPathComponent("from-swift.h5").path
        let w = try HDF5Writer(path: path)
        try w.write((0..<24).map { Float($0) * 0.25 - 3 }, shape: [2, 3, 4], to: "numbers/f32")
        try w.write((0..<6).map { Double($0) / 7 }, shape: [3, 2], to: "numbers/f64")
        try w.write([Int32.min, -1, 0, 1, Int32.max], shape: [5], to: "numbers/i32")
        try w.write([Int64.min, -(1 << 40), 0, 1 << 40, Int64.max, 7], shape: [1, 2, 3], to: "numbers/i64")
        try w.write((0...255).map { UInt8($0) }, shape: [16, 16], to: "u8", gzipLevel: 4)
        try w.write([Double.pi], shape: [], to: "scalar")
        try w.write([Float](), shape: [3, 0], to: "empty")
        try w.write((0..<10_000).map { Float($0 % 97) * 0.5 }, shape: [200, 50], to: "compressed", gzipLevel: 6)
        try w.writeStrings(["plain", "", "héllo wörld", "音频与文本", "emoji 🎵 #tag"], to: "text/titles")
        try w.setAttribute("format_version", .int(1))
        try w.setAttribute("name", .string("ATFLRec — 音频"))
        try w.setAttribute("lr", .double(1e-4))
        try w.setAttribute("shape", .ints([2, 3, -4]))
        try w.setAttribute("scales", .doubles([0.5, -1e-300]))
        try w.setAttribute("units", .string("none"), on: "numbers")
        try w.setAttribute("scale", .double(0.25), on: "numbers/f32")
        try w.commit()

        let run = try runPython("Tests/Interop/h5py_interop.py", ["check-swift", path])
        expectPythonSucceeded(run, "h5py reading the Swift-written file")
        #expect(run.stdout.contains("0 mismatches"), "\(run.stdout)")
    }

    @Test func swiftReadsWhatH5pyWrote() throws {
        let dir = try Fixtures.temporaryDirectory("hdf5-interop-python")
        let path = dir.appendingPathComponent("from-h5py.h5").path
        let run = try runPython("Tests/Interop/h5py_interop.py", ["write-python", path])
        guard expectPythonSucceeded(run, "h5py writing the file") else { return }

        let r = try HDF5Reader(path: path)
        #expect(try r.children(of: "/") == ["data", "deep", "text"])
        #expect(try r.children(of: "data") == ["empty", "f32", "f64", "i16", "i32", "i64", "u8"])
        #expect(try r.children(of: "deep/er/group") == [])
        #expect(try r.read(Float.self, "data/f32") == HDF5Array(shape: [4, 5], values: (0..<20).map { Float($0) * 0.5 }))
        let f32 = try r.datasetInfo("data/f32")
        #expect(f32.chunkShape == [2, 5] && f32.gzipLevel == 5 && f32.storedType == "float32")
        #expect(try r.read(Double.self, "data/f64").values == [0.1, 0.2, 1e300])
        #expect(try r.read(Int64.self, "data/i64") == HDF5Array(shape: [], values: [(1 << 53) + 1]))
        #expect(try r.read(Int32.self, "data/i32") == HDF5Array(shape: [2, 2], values: [1, -2, 3, -4]))
        #expect(try r.read(UInt8.self, "data/u8").values == [0, 128, 255])
        // int16 is not one of our element types: HDF5 converts it on read.
        #expect(try r.datasetInfo("data/i16").storedType == "int16")
        #expect(try r.read(Int32.self, "data/i16").values == [-5, 0, 5])
        #expect(try r.read(Float.self, "data/i16").values == [-5, 0, 5])
        #expect(try r.read(Double.self, "data/empty") == HDF5Array(shape: [0], values: []))
        #expect(try r.readStrings("text/vlen") == ["a", "ü", "音频"])
        #expect(try r.readStrings("text/fixed") == ["ab", "cdefg"])
        #expect(try r.datasetInfo("text/fixed").storedType == "string (fixed 5 bytes, ASCII)")
        #expect(try r.attributeNames(of: "/") == ["dims", "f32", "fixed_bytes", "format_version", "lr", "title", "weights"])
        #expect(try r.attribute("format_version") == .int(2))
        #expect(try r.attribute("title") == .string("héllo"))
        #expect(try r.attribute("lr") == .double(3e-4))
        #expect(try r.attribute("dims") == .ints([1, 2, 3]))
        #expect(try r.attribute("weights") == .doubles([0.5, 1.5]))
        #expect(try r.attribute("f32") == .double(Double(Float(0.1))))
        #expect(try r.attribute("fixed_bytes") == .string("fixed"))
        #expect(try r.attribute("kind", of: "data") == .string("numbers"))
        #expect(try r.attribute("unit", of: "data/f32") == .string("half"))
    }
}
