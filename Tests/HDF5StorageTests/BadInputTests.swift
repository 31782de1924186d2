import Foundation
import HDF5Storage
import Testing
import TestSupport

// Bad input gives one HDF5Error naming the file, the object and the reason; never a crash.

/// Runs `body`, expects an HDF5Error of `kind`, and checks its one-line text names the file
/// and the object and contains `fragment`.
func expectHDF5Error(_ kind: HDF5Error.Kind, file: String, object: String, _ fragment: String,
                     sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected an HDF5Error (\(kind)), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as HDF5Error {
        let text = error.description
        #expect(error.kind == kind, "\(text)", sourceLocation: sourceLocation)
        #expect(error.file == file, sourceLocation: sourceLocation)
        #expect(error.object == object, sourceLocation: sourceLocation)
        #expect(text.hasPrefix("\(file): \(object): "), "\(text)", sourceLocation: sourceLocation)
        #expect(text.contains(fragment), "\(text)", sourceLocation: sourceLocation)
        #expect(!text.contains("\n"), "one line: \(text)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected an HDF5Error, got \(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct BadInputTests {
    let directory: URL
    let good: String

    init() throws {
        directory = try Fixtures.temporaryDirectory("hdf5-bad-input")
        good = directory.appendingPathComponent("good.h5").path
        let w = try HDF5Writer(path: good)
        try w.write((0..<12).map { Float($0) }, shape: [3, 4], to: "group/matrix")
        try w.writeStrings(["a", "b"], to: "group/names")
        try w.setAttribute("format_version", .int(1))
        try w.commit()
    }

    @Test func missingFile() {
        let path = directory.appendingPathComponent("nothing-here.h5").path
        expectHDF5Error(.missingFile, file: path, object: "/", "no such file") { _ = try HDF5Reader(path: path) }
    }

    @Test func notAnHDF5File() throws {
        let path = directory.appendingPathComponent("text.h5").path
        try "just some text\n".write(toFile: path, atomically: true, encoding: .utf8)
        expectHDF5Error(.notHDF5, file: path, object: "/", "not an HDF5 file") { _ = try HDF5Reader(path: path) }
        expectHDF5Error(.notHDF5, file: directory.path, object: "/", "directory") { _ = try HDF5Reader(path: directory.path) }
    }

    @Test func truncatedFile() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        for keep in [0, 100, bytes.count / 2, bytes.count - 1] {
            let path = directory.appendingPathComponent("truncated-\(keep).h5").path
            try bytes.prefix(keep).write(to: URL(fileURLWithPath: path))
            expectHDF5Error(.notHDF5, file: path, object: "/", "HDF5") { _ = try HDF5Reader(path: path) }
        }
    }

    @Test func wrongNames() throws {
        let r = try HDF5Reader(path: good)
        expectHDF5Error(.noSuchObject, file: good, object: "/group/matrx", "no such dataset") {
            _ = try r.read(Float.self, "group/matrx")
        }
        expectHDF5Error(.noSuchObject, file: good, object: "/nothing/deeper", "no such dataset") {
            _ = try r.readStrings("nothing/deeper")
        }
        expectHDF5Error(.wrongObjectKind, file: good, object: "/group", "is a group, not a dataset") {
            _ = try r.read(Float.self, "group")
        }
        expectHDF5Error(.wrongObjectKind, file: good, object: "/group/matrix", "is a dataset, not a group") {
            _ = try r.children(of: "group/matrix")
        }
        expectHDF5Error(.noSuchObject, file: good, object: "/ attribute 'version'", "no such attribute") {
            _ = try r.attribute("version")
        }
        expectHDF5Error(.noSuchObject, file: good, object: "/missing", "no such object") {
            _ = try r.attributeNames(of: "missing")
        }
    }

    @Test func shapeExpectation() throws {
        let r = try HDF5Reader(path: good)
        #expect(try r.read(Float.self, "group/matrix", expectShape: [3, 4]).values.count == 12)
        expectHDF5Error(.shapeMismatch, file: good, object: "/group/matrix", "shape [3, 4] where [4, 3] was expected") {
            _ = try r.read(Float.self, "group/matrix", expectShape: [4, 3])
        }
        expectHDF5Error(.shapeMismatch, file: good, object: "/group/matrix", "where one was expected") {
            _ = try r.readScalar(Float.self, "group/matrix")
        }
    }

    @Test func impossibleConversions() throws {
        let r = try HDF5Reader(path: good)
        expectHDF5Error(.typeMismatch, file: good, object: "/group/names",
                        "stored as string (variable length, UTF-8), cannot be read as Float") {
            _ = try r.read(Float.self, "group/names")
        }
        expectHDF5Error(.typeMismatch, file: good, object: "/group/matrix", "stored as float32, not strings") {
            _ = try r.readStrings("group/matrix")
        }
    }

    @Test func badWrites() throws {
        let path = directory.appendingPathComponent("bad-writes.h5").path
        let w = try HDF5Writer(path: path)
        expectHDF5Error(.invalidArgument, file: path, object: "/x", "shape [2, 3] needs 6 values, got 5") {
            try w.write([Float](repeating: 0, count: 5), shape: [2, 3], to: "x")
        }
        expectHDF5Error(.invalidArgument, file: path, object: "/x", "negative dimension") {
            try w.write([Float](), shape: [-1], to: "x")
        }
        expectHDF5Error(.invalidArgument, file: path, object: "/x", "gzip level 12") {
            try w.write([Float(1)], shape: [1], to: "x", gzipLevel: 12)
        }
        try w.write([Float(1)], shape: [1], to: "x")
        expectHDF5Error(.alreadyExists, file: path, object: "/x", "already exists") {
            try w.write([Float(1)], shape: [1], to: "x")
        }
        expectHDF5Error(.wrongObjectKind, file: path, object: "/x/y", "parent /x is a dataset") {
            try w.write([Float(1)], shape: [1], to: "x/y")
        }
        expectHDF5Error(.alreadyExists, file: path, object: "/x", "not a group") { try w.createGroup("x") }
        expectHDF5Error(.noSuchObject, file: path, object: "/nope", "no such object") {
            try w.setAttribute("a", .int(1), on: "nope")
        }
        expectHDF5Error(.invalidArgument, file: path, object: "/s", "NUL") { try w.writeStrings(["a\u{0}b"], to: "s") }
        expectHDF5Error(.invalidArgument, file: path, object: "/", "root") { try w.write([Float(1)], shape: [], to: "/") }
        try w.commit()
        expectHDF5Error(.writerClosed, file: path, object: "/y", "already committed") {
            try w.write([Float(1)], shape: [1], to: "y")
        }
        expectHDF5Error(.writerClosed, file: path, object: "/", "already committed") { try w.commit() }
        // The errors left the file usable: the one good dataset is there.
        #expect(try HDF5Reader(path: path).read(Float.self, "x").values == [1])
    }

    @Test func writerIntoMissingDirectory() {
        let path = directory.appendingPathComponent("no/such/dir/out.h5").path
        expectHDF5Error(.missingFile, file: path, object: "/", "does not exist") { _ = try HDF5Writer(path: path) }
    }
}
