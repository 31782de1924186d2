import Foundation
import HDF5Storage
import Testing
import TestSupport

// HDF5 stores creation and modification times in every object header unless told not to; the
// writer turns that off, so a file is a function of its content alone and a recorded SHA-256
// (a run's checkpointSHA256) can be checked against a re-made file.

@Suite struct DeterministicBytesTests {
    func write(_ path: String) throws {
        let w = try HDF5Writer(path: path)
        try w.setAttribute("schema", .string("test"))
        try w.createGroup("/parameters")
        try w.write([Float(1), 2, 3], shape: [3], to: "/parameters/w")
        // Parents made implicitly by a dataset path, strings, a compressed dataset, attributes on
        // a group and a dataset.
        try w.write([Double(0.5)], shape: [1], to: "/optimizer/exp_avg/w")
        try w.writeStrings(["a", "b"], to: "/random/purposes")
        try w.write((0..<4096).map { Float($0 % 7) }, shape: [64, 64], to: "/items/fbank", gzipLevel: 4)
        try w.setAttribute("units", .string("none"), on: "/optimizer")
        try w.setAttribute("scale", .double(0.25), on: "/parameters/w")
        try w.commit()
    }

    @Test func sameContentGivesSameBytesInAnotherSecond() throws {
        let dir = try Fixtures.temporaryDirectory("hdf5-deterministic")
        let first = dir.appendingPathComponent("first.h5").path
        let second = dir.appendingPathComponent("second.h5").path
        try write(first)
        // HDF5's times have one-second resolution: make sure the second file is written in a
        // later second than the first, as a re-trained checkpoint would be.
        let start = Int(Date().timeIntervalSince1970)
        while Int(Date().timeIntervalSince1970) == start { Thread.sleep(forTimeInterval: 0.05) }
        try write(second)
        let a = try Data(contentsOf: URL(fileURLWithPath: first))
        let b = try Data(contentsOf: URL(fileURLWithPath: second))
        #expect(a.count == b.count && a == b, "\(a.count) and \(b.count) bytes differ")
        // The implicit parents are real groups.
        let r = try HDF5Reader(path: second)
        #expect(try r.children(of: "/optimizer") == ["exp_avg"] && r.read(Double.self, "/optimizer/exp_avg/w").values == [0.5])
    }
}
