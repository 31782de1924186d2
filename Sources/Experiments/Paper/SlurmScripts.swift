import Foundation

/// A LauncherPlan as Slurm batch scripts (issue 26): one job array per thread count, one task per
/// pending run (task i runs line i of its command file), `--cpus-per-task` equal to the runs'
/// threads, a time limit from the plan's estimates; and a render job that the submitter makes
/// depend on the arrays (`--dependency=afterany:...`), so the tables are rendered once every task
/// has ended, whether or not each finished (a cell whose run failed says "not run yet").
public struct SlurmScripts: Sendable {
    public struct Options: Sendable {
        public var partition: String?
        public var account: String?
        /// Further `#SBATCH` options, verbatim (e.g. "--qos=short", "--mem=8G").
        public var extra: [String] = []
        /// Time limit = the longest expected run of the array x this factor, plus 10 minutes:
        /// estimates come from other runs' wall times, and a slower node must not be killed.
        public var timeFactor: Double = 2
        public var jobName = "atflrec"
        /// Shell lines the render job runs after `atflrec paper render` (the figures, for `make paper-slurm`).
        public var afterRender: [String] = []

        public init(partition: String? = nil, account: String? = nil, extra: [String] = [], timeFactor: Double = 2) {
            self.partition = partition
            self.account = account
            self.extra = extra
            self.timeFactor = timeFactor
        }
    }

    public struct File: Sendable {
        public let url: URL
        public let text: String
    }

    public struct Array: Sendable {
        public let threads: Int
        public let tasks: Int
        public let timeLimit: String
        public let script: URL
        public let commands: URL
    }

    public let arrays: [Array]
    public let render: URL
    public let files: [File]

    public init(plan: LauncherPlan, folder: URL, options: Options) {
        var files: [File] = [], arrays: [Array] = []
        let logs = folder.appendingPathComponent("logs").standardizedFileURL.path
        var header = ["#!/bin/bash"]
        if let p = options.partition { header.append("#SBATCH --partition=\(p)") }
        if let a = options.account { header.append("#SBATCH --account=\(a)") }
        header += options.extra.map { "#SBATCH \($0)" }
        for group in plan.byThreads {
            let commands = folder.appendingPathComponent("commands-t\(group.threads).txt").standardizedFileURL
            let script = folder.appendingPathComponent("array-t\(group.threads).sbatch").standardizedFileURL
            let longest = group.tasks.map(\.expectedSeconds).max() ?? 0
            let limit = Self.timeLimit(seconds: longest * options.timeFactor + 600)
            files.append(File(url: commands, text: group.tasks.map(\.command).joined(separator: "\n") + "\n"))
            files.append(File(url: script, text: (header + [
                "#SBATCH --job-name=\(options.jobName)-t\(group.threads)",
                "#SBATCH --array=1-\(group.tasks.count)",
                "#SBATCH --ntasks=1",
                "#SBATCH --cpus-per-task=\(group.threads)",
                "#SBATCH --time=\(limit)",
                "#SBATCH --output=\(logs)/%A_%a.out",
                "# One pending run per task: line SLURM_ARRAY_TASK_ID of the command file (atflrec paper commands).",
                "# A task whose run is finished or held by another worker returns at once.",
                "set -euo pipefail",
                "line=$(sed -n \"${SLURM_ARRAY_TASK_ID}p\" \(LauncherPlan.shellQuoted(commands.path)))",
                "test -n \"$line\" || { echo \"no command for task $SLURM_ARRAY_TASK_ID\" >&2; exit 1; }",
                "echo \"$line\"",
                "eval \"exec $line\"",
            ]).joined(separator: "\n") + "\n"))
            arrays.append(Array(threads: group.threads, tasks: group.tasks.count, timeLimit: limit, script: script, commands: commands))
        }
        let render = folder.appendingPathComponent("render.sbatch").standardizedFileURL
        files.append(File(url: render, text: (header + [
            "#SBATCH --job-name=\(options.jobName)-render",
            "#SBATCH --ntasks=1",
            "#SBATCH --cpus-per-task=1",
            "#SBATCH --time=00:30:00",
            "#SBATCH --output=\(logs)/render-%j.out",
            "set -euo pipefail",
            plan.renderCommand,
        ] + options.afterRender).joined(separator: "\n") + "\n"))
        self.arrays = arrays
        self.render = render
        self.files = files
    }

    public func write() throws {
        guard let folder = files.first?.url.deletingLastPathComponent() else { return }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("logs"), withIntermediateDirectories: true)
        for f in files { try AtomicFile.write(Data(f.text.utf8), to: f.url) }
    }

    /// Slurm's `[D-]HH:MM:SS`, rounded up to whole minutes.
    public static func timeLimit(seconds: Double) -> String {
        let minutes = Int((max(seconds, 60) / 60).rounded(.up))
        let (d, h, m) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60)
        return d > 0 ? String(format: "%d-%02d:%02d:00", d, h, m) : String(format: "%02d:%02d:00", h, m)
    }
}
