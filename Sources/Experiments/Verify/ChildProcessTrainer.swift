import Foundation

/// Re-trains a stored configuration in a child `atflrec train` process. A child, not this
/// process, because OpenBLAS reads its kernel choice only when it is loaded: each re-made run
/// gets the kernels it asks for (KernelChoice.environment). The child's output goes to a log in
/// the scratch folder, which a failure names.
public struct ChildProcessTrainer: Sendable {
    public let executable: URL
    public let root: URL
    public let scratch: URL

    public init(executable: URL, root: URL, scratch: URL) {
        self.executable = executable
        self.root = root
        self.scratch = scratch
    }

    /// Trains `configFile` with `core`'s kernels; returns the run directory it wrote.
    public func train(run: String, configFile: URL, core: String) throws -> URL {
        let checkpoints = scratch.appendingPathComponent("\(core)", isDirectory: true)
        try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: true)
        let log = scratch.appendingPathComponent("\(run)-\(core).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = executable
        process.currentDirectoryURL = root
        process.arguments = ["train", "--config", configFile.path, "--checkpoints", checkpoints.path,
                             "--baseline-settings", root.appendingPathComponent("paper/configs/baselines").path]
        process.environment = ProcessInfo.processInfo.environment.merging(KernelChoice.environment(for: core)) { $1 }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ConfigurationError("\(run): atflrec train exited \(process.terminationStatus) with the \(core) kernels (log \(log.path))")
        }
        return checkpoints.appendingPathComponent(run, isDirectory: true)
    }
}
