import Foundation

// Fixtures live in Tests/Fixtures/<area>/ next to the scripts that made them. Tests find them
// relative to this source file, so no resource bundle copies are needed and a test run from any
// working directory finds the same files.

public enum Fixtures {
    /// The repository root (three levels above Tests/TestSupport/Fixtures.swift).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Tests/Fixtures/<relative>.
    public static func url(_ relative: String) -> URL {
        repositoryRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relative)
    }

    /// A fresh, empty temporary directory for one test.
    public static func temporaryDirectory(_ name: String = #function) throws -> URL {
        let clean = name.filter { $0.isLetter || $0.isNumber }
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("atflrec-tests")
            // A UUID only names the directory; it never reaches a computed value.
            .appendingPathComponent("\(clean)-\(UUID().uuidString)")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
