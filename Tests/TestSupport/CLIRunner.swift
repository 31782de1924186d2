import Foundation
import TensorCore
import Testing

/// Output of one run of the built `atflrec` binary.
public struct CLIRun {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// The `atflrec` executable of the current build: SwiftPM puts it in the same directory as the
/// test bundle (`.build/<triple>/<configuration>/`), which the test process runs from.
public func atflrecBinary() -> URL? {
    var directories: [URL] = []
    if let executable = Bundle.main.executableURL { directories.append(executable.deletingLastPathComponent()) }
    directories.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
    for bundle in Bundle.allBundles { directories.append(bundle.bundleURL.deletingLastPathComponent()) }
    // The .xctest bundle may be a directory whose executable sits deeper (macOS layout).
    for directory in directories {
        var candidate = directory
        for _ in 0..<4 {
            let binary = candidate.appendingPathComponent("atflrec")
            if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
            candidate = candidate.deletingLastPathComponent()
        }
    }
    return nil
}

/// Runs the built `atflrec` with `arguments`; records a failure (with how to build it) and
/// returns nil when the binary cannot be found.
/// `environment` changes the program's environment (nil removes a variable); the program pins
/// its own OpenBLAS kernels (BLASCore.pinAtStart), so tests leave OPENBLAS_CORETYPE as it is.
public func runATFLRec(_ arguments: [String], environment changes: [String: String?] = [:],
                       sourceLocation: SourceLocation = #_sourceLocation) throws -> CLIRun? {
    guard let binary = atflrecBinary() else {
        let message = "the atflrec binary was not found next to the test bundle (\(CommandLine.arguments[0])); "
            + "`swift build` (or `swift test`, which builds it) first"
        Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        return nil
    }
    var environment = ProcessInfo.processInfo.environment
    for (key, value) in changes { environment[key] = value }
    return try runProcess(binary, arguments, environment: environment)
}

/// Runs `executable arguments` (with `environment`, else this process's) and returns its exit
/// status and output; both pipes are read to the end before waiting, so a chatty child cannot
/// block on a full pipe.
public func runProcess(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) throws -> CLIRun {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIRun(status: process.terminationStatus,
                  stdout: String(decoding: outData, as: UTF8.self),
                  stderr: String(decoding: errData, as: UTF8.self))
}
