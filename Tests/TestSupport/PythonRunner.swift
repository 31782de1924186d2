import Foundation
import Testing

/// Output of one Python run.
public struct PythonRun {
    public var interpreter: String
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs `python3 <repository>/<script> <arguments>` (the interpreter named by $PYTHON, else
/// `python3` on the PATH). A missing interpreter is an error, never a skip: the cross-language
/// tests must run in CI, and `make deps` installs what they need.
public func runPython(_ script: String, _ arguments: [String]) throws -> PythonRun {
    let interpreter = ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [interpreter, Fixtures.repositoryRoot.appendingPathComponent(script).path] + arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes to the end before waiting, so a chatty child cannot block on a full pipe.
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return PythonRun(interpreter: interpreter, status: process.terminationStatus,
                     stdout: String(decoding: outData, as: UTF8.self),
                     stderr: String(decoding: errData, as: UTF8.self))
}

/// Records a clear failure unless the run succeeded; returns whether it did.
@discardableResult
public func expectPythonSucceeded(_ run: PythonRun, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    switch run.status {
    case 0:
        return true
    case 127:
        Issue.record("\(what): \(run.interpreter) was not found on the PATH (install it; `make deps` installs h5py and numpy)",
                     sourceLocation: sourceLocation)
    case 3:
        Issue.record("\(what): h5py or numpy is missing: \(run.stderr)", sourceLocation: sourceLocation)
    default:
        Issue.record("\(what): exit status \(run.status)\nstdout: \(run.stdout)\nstderr: \(run.stderr)",
                     sourceLocation: sourceLocation)
    }
    return false
}
