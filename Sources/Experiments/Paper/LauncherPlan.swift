import Foundation

/// The pending runs of a paper plan as self-contained shell commands, one per run, for any
/// launcher: GNU parallel, a Slurm job array, `xargs -P`, a shell loop (issue 26). We schedule
/// nothing ourselves; each command is one `atflrec paper worker`, which trains its run under the
/// run's lock (RunWorker), so commands may be run in any order, any number at once, twice.
///
/// Each command names its thread count, its configuration file (written here, into
/// `<checkpoints>/plan/`, a folder every worker must see), the repository root, the run store
/// and the checkpoint folder, all as absolute paths. Order: the longest expected runs first
/// (plan order among equals), which shortens the makespan when there are fewer slots than runs;
/// the order never changes a result.
public struct LauncherPlan: Sendable {
    public struct Task: Sendable {
        public let configuration: ExperimentConfiguration
        public let configurationFile: URL
        /// From the recorded wall times of finished runs (PaperSession.expectedSeconds).
        public let expectedSeconds: Double
        public let command: String
    }

    public let tasks: [Task]
    /// `atflrec paper render` with the same plan options: the tables, report and manifest from
    /// whatever is stored (cells not stored yet say "not run yet").
    public let renderCommand: String

    /// The commands grouped by thread count (a Slurm array has one `--cpus-per-task`).
    public var byThreads: [(threads: Int, tasks: [Task])] {
        var groups: [(threads: Int, tasks: [Task])] = []
        for t in tasks {
            if let g = groups.firstIndex(where: { $0.threads == t.configuration.threads }) { groups[g].tasks.append(t) }
            else { groups.append((t.configuration.threads, [t])) }
        }
        return groups.sorted { $0.threads < $1.threads }
    }

    /// Writes the configuration files of the pending runs of `session`'s plan (restricted by
    /// `sitting`) and returns their commands. `executable`: the absolute path of `atflrec`;
    /// `planArguments`: the options that re-create the session (`--profile`, `--root`, ...).
    public static func make(session: PaperSession, sitting: PaperSession.Sitting, executable: String,
                            planArguments: [String]) throws -> LauncherPlan {
        let finished = try session.loadFinished()
        let measured = session.timingCost(finished: finished.mapValues(\.0))
        let selected = try sitting.select(from: session.plan) { finished[$0.runName] != nil }
        let pending = selected.configurations.enumerated().filter { finished[$0.element.runName] == nil }
            .map { (index: $0.offset, configuration: $0.element, seconds: PaperSession.expectedSeconds($0.element, measured: measured)) }
            .sorted { ($0.seconds, -$0.index) > ($1.seconds, -$1.index) }
        let folder = session.locations.checkpoints.appendingPathComponent("plan", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let root = session.locations.root.standardizedFileURL.path
        let store = session.locations.runs.standardizedFileURL.path
        let checkpoints = session.locations.checkpoints.standardizedFileURL.path
        var tasks: [Task] = []
        for p in pending {
            let file = folder.appendingPathComponent("\(p.configuration.runName).json").standardizedFileURL
            try AtomicFile.write(Data((p.configuration.prettyJSON() + "\n").utf8), to: file)
            let words = [executable, "paper", "worker", "--threads", "\(p.configuration.threads)", "--config", file.path,
                         "--root", root, "--runs", store, "--checkpoints", checkpoints]
            tasks.append(Task(configuration: p.configuration, configurationFile: file, expectedSeconds: p.seconds,
                              command: words.map(shellQuoted).joined(separator: " ")))
        }
        let render = ([executable, "paper", "render"] + planArguments).map(shellQuoted).joined(separator: " ")
        return LauncherPlan(tasks: tasks, renderCommand: render)
    }

    /// A word as the shell reads it back: bare when it holds only safe characters, else in single quotes.
    public static func shellQuoted(_ word: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
        if !word.isEmpty && word.allSatisfy(safe.contains) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
