import Foundation
import HDF5Storage
import Testing
import TestSupport

// Piecewise writing and reading along the first dimension (for caches too large for memory).

@Suite struct RowAccessTests {
    @Test func writeRowsThenReadRanges() throws {
        let path = try Fixtures.temporaryDirectory("hdf5-rows").appendingPathComponent("rows.h5").path
        let w = try HDF5Writer(path: path)
        // 10 items x 3 frames x 2 bins, filled two items at a time, compressed.
        try w.createDataset(Float.self, shape: [10, 3, 2], at: "cache/features", gzipLevel: 4)
        for start in stride(from: 0, to: 10, by: 2) {
            try w.writeRows((0..<12).map { Float(start * 6 + $0) }, startingAt: start, to: "cache/features")
        }
        try w.createDataset(Int64.self, shape: [4], at: "partly")
        try w.writeRows([Int64(7)], startingAt: 2, to: "partly")
        try w.commit()

        let r = try HDF5Reader(path: path)
        #expect(try r.read(Float.self, "cache/features").values == (0..<60).map(Float.init))
        #expect(try r.read(Float.self, "cache/features", rows: 3..<5) == HDF5Array(shape: [2, 3, 2], values: (18..<30).map(Float.init)))
        #expect(try r.read(Double.self, "cache/features", rows: 9..<10).values == (54..<60).map(Double.init))
        #expect(try r.read(Float.self, "cache/features", rows: 4..<4) == HDF5Array(shape: [0, 3, 2], values: []))
        #expect(try r.read(Int64.self, "partly").values == [0, 0, 7, 0])  // unwritten rows read as zero
        #expect(try r.datasetInfo("cache/features").gzipLevel == 4)
        expectHDF5Error(.shapeMismatch, file: path, object: "/cache/features", "rows 8..<11 outside 0..<10") {
            _ = try r.read(Float.self, "cache/features", rows: 8..<11)
        }
    }

    @Test func badRowWrites() throws {
        let path = try Fixtures.temporaryDirectory("hdf5-rows-bad").appendingPathComponent("rows.h5").path
        let w = try HDF5Writer(path: path)
        try w.createDataset(Float.self, shape: [4, 3], at: "m")
        try w.write([Float(1)], shape: [], to: "s")
        expectHDF5Error(.invalidArgument, file: path, object: "/m", "5 values are not whole rows of 3") {
            try w.writeRows([Float](repeating: 0, count: 5), startingAt: 0, to: "m")
        }
        expectHDF5Error(.shapeMismatch, file: path, object: "/m", "rows 3..<5 outside 0..<4") {
            try w.writeRows([Float](repeating: 0, count: 6), startingAt: 3, to: "m")
        }
        expectHDF5Error(.noSuchObject, file: path, object: "/n", "no such dataset") {
            try w.writeRows([Float(0)], startingAt: 0, to: "n")
        }
        expectHDF5Error(.shapeMismatch, file: path, object: "/s", "no rows") {
            try w.writeRows([Float(0)], startingAt: 0, to: "s")
        }
        expectHDF5Error(.alreadyExists, file: path, object: "/m", "already exists") {
            try w.createDataset(Float.self, shape: [1], at: "m")
        }
    }
}
