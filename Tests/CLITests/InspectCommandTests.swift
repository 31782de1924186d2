import Foundation
import HDF5Storage
import Testing
import TestSupport

// `atflrec inspect` and `atflrec --help`, run as the built binary the user runs.

@Suite struct InspectCommandTests {
    @Test func listsTreeWithShapesTypesAndAttributes() throws {
        let dir = try Fixtures.temporaryDirectory("cli-inspect")
        let path = dir.appendingPathComponent("model.h5").path
        let w = try HDF5Writer(path: path)
        try w.setAttribute("format_version", .int(1))
        try w.write((0..<6).map { Float($0) }, shape: [2, 3], to: "lora/A", gzipLevel: 4)
        try w.setAttribute("rank", .int(4), on: "lora")
        try w.write([Int64(7)], shape: [], to: "step")
        try w.setAttribute("scales", .doubles((0..<20).map(Double.init)), on: "step")
        try w.writeStrings(["a", "b", "c"], to: "names")
        try w.commit()

        guard let run = try runATFLRec(["inspect", path]) else { return }
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty, "\(run.stderr)")
        let expected = """
            /
              @format_version = 1
              lora/
                @rank = 4
                A: float32 [2, 3] chunks [2, 3] gzip 4
              names: string (variable length, UTF-8) [3]
              step: int64 scalar
                @scales = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, ...] (20 values)

            """
        #expect(run.stdout == expected)
    }

    @Test func missingFileGivesOneLineAndExitCode1() throws {
        let dir = try Fixtures.temporaryDirectory("cli-inspect-missing")
        let path = dir.appendingPathComponent("absent.h5").path
        guard let run = try runATFLRec(["inspect", path]) else { return }
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr == "atflrec inspect: \(path): /: no such file\n")
    }

    @Test func notAnHDF5FileGivesOneLineAndExitCode1() throws {
        let dir = try Fixtures.temporaryDirectory("cli-inspect-text")
        let path = dir.appendingPathComponent("notes.h5").path
        try "not hdf5".write(toFile: path, atomically: true, encoding: .utf8)
        guard let run = try runATFLRec(["inspect", path]) else { return }
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("atflrec inspect: \(path): /: not an HDF5 file"), "\(run.stderr)")
        #expect(run.stderr.filter { $0 == "\n" }.count == 1, "one line: \(run.stderr)")
    }

    @Test func helpListsInspect() throws {
        guard let run = try runATFLRec(["--help"]) else { return }
        #expect(run.status == 0)
        #expect(run.stdout.contains("USAGE: atflrec"), "\(run.stdout)")
        #expect(run.stdout.contains("inspect"), "\(run.stdout)")
        guard let sub = try runATFLRec(["inspect", "--help"]) else { return }
        #expect(sub.status == 0)
        #expect(sub.stdout.contains("<file>"), "\(sub.stdout)")
    }
}
