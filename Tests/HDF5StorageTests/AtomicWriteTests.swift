import Foundation
import HDF5Storage
import Testing
import TestSupport

// Writers fill a temporary file beside the target and rename it on commit: the target is
// always either the previous complete file or the new complete one.

@Suite struct AtomicWriteTests {
    @Test func commitRenamesTemporaryFile() throws {
        let dir = try Fixtures.temporaryDirectory("hdf5-atomic-commit")
        let path = dir.appendingPathComponent("out.h5").path
        let w = try HDF5Writer(path: path)
        try w.write([Int32(1), 2], shape: [2], to: "v")
        #expect(URL(fileURLWithPath: w.temporaryPath).deletingLastPathComponent().path == dir.path)
        #expect(FileManager.default.fileExists(atPath: w.temporaryPath))
        #expect(!FileManager.default.fileExists(atPath: path))
        try w.commit()
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: w.temporaryPath))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.h5"])
    }

    @Test func abandonedWriterLeavesPreviousFileAndNoTemporary() throws {
        let dir = try Fixtures.temporaryDirectory("hdf5-atomic-abandon")
        let path = dir.appendingPathComponent("out.h5").path
        let first = try HDF5Writer(path: path)
        try first.write([Float(1)], shape: [1], to: "generation")
        try first.commit()

        var temporary = ""
        do {
            let second = try HDF5Writer(path: path)
            temporary = second.temporaryPath
            try second.write([Float(2)], shape: [1], to: "generation")
            #expect(FileManager.default.fileExists(atPath: temporary))
            // Released here without commit, as when an error unwinds the caller.
        }
        #expect(!temporary.isEmpty && !FileManager.default.fileExists(atPath: temporary))
        #expect(try HDF5Reader(path: path).read(Float.self, "generation").values == [1])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.h5"])

        let third = try HDF5Writer(path: path)
        try third.write([Float(3)], shape: [1], to: "generation")
        try third.commit()
        #expect(try HDF5Reader(path: path).read(Float.self, "generation").values == [3])
    }

    /// A child process started while a file is open briefly inherits its descriptor (until it
    /// closes it before exec), and with it any flock() on the file; with HDF5's file locking on,
    /// an open during that window failed with "unable to lock file" (seen when the test suite
    /// runs h5py and the CLI in parallel). Locking is off: a file someone else holds an exclusive
    /// flock on still opens, and can be replaced.
    @Test func fileLockedByAnotherDescriptorStillOpens() throws {
        let dir = try Fixtures.temporaryDirectory("hdf5-flock")
        let path = dir.appendingPathComponent("out.h5").path
        let w = try HDF5Writer(path: path)
        try w.write([Int64(42)], shape: [], to: "answer")
        try w.commit()
        let fd = open(path, O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        #expect(try HDF5Reader(path: path).readScalar(Int64.self, "answer") == 42)
        let again = try HDF5Writer(path: path)
        try again.write([Int64(43)], shape: [], to: "answer")
        try again.commit()
        #expect(try HDF5Reader(path: path).readScalar(Int64.self, "answer") == 43)
    }
}
