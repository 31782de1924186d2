import ArgumentParser
import Experiments
import Foundation

/// `atflrec paper slurm` (`make paper-slurm`): the pending runs of a plan as Slurm job arrays
/// (SlurmScripts) and a render job that waits for them, written to a folder and submitted with
/// `sbatch`. Slurm schedules; every task is one `atflrec paper worker` on the shared run store, so
/// submitting twice, resubmitting after `scancel`, or running `make paper` beside it trains each
/// run once and gives the bytes of a serial run (docs/cluster.md).
struct PaperSlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Write and submit the pending runs as Slurm job arrays (one task per run) and a render job that depends on them.")

    @OptionGroup var plan: PaperPlanOptions
    @OptionGroup var sittingOptions: PaperSittingOptions

    @Option(help: "Slurm partition (sbatch --partition); default: the cluster's default partition.")
    var partition: String?

    @Option(help: "Slurm account to charge (sbatch --account).")
    var account: String?

    @Option(name: .customLong("sbatch-option"), help: "A further #SBATCH option for every job, e.g. --qos=normal or --mem=8G (repeatable).")
    var sbatchOptions: [String] = []

    @Option(name: .customLong("time-factor"), help: "Time limit of an array: its longest expected run times this, plus 10 minutes.")
    var timeFactor: Double = 2

    @Option(help: "Folder for the scripts, command files and task logs (on the shared filesystem); default <checkpoints>/<profile>/slurm/<time>.")
    var folder: String?

    @Flag(help: "Have the render job draw the figures too (python3 paper/tools/make_figures.py; needs matplotlib on the node).")
    var figures = false

    @Flag(name: .customLong("no-submit"), help: "Write the scripts and print the sbatch commands without submitting.")
    var noSubmit = false

    func run() throws {
        try reportingErrors("paper slurm") {
            guard timeFactor.isFinite, timeFactor >= 1 else { throw ValidationError("--time-factor \(timeFactor): expected 1 or more") }
            let session = try plan.session()
            let launcher = try LauncherPlan.make(session: session, sitting: try sittingOptions.sitting(),
                                                 executable: PaperCommandsCommand.executablePath(), planArguments: plan.absoluteArguments)
            let stamp = Self.timestamp()
            let target = URL(fileURLWithPath: folder ?? session.locations.checkpoints.appendingPathComponent("slurm/\(stamp)").path)
            var options = SlurmScripts.Options(partition: partition, account: account, extra: sbatchOptions, timeFactor: timeFactor)
            options.jobName = "atflrec-\(session.profile.name)"
            if figures {
                options.afterRender = ["python3 \(LauncherPlan.shellQuoted(PaperPlanOptions.absolute(session.locations.root.appendingPathComponent("paper/tools/make_figures.py").path))) "
                    + LauncherPlan.shellQuoted(session.locations.output.standardizedFileURL.path) + " "
                    + LauncherPlan.shellQuoted(session.locations.runs.standardizedFileURL.path)]
            }
            let scripts = SlurmScripts(plan: launcher, folder: target, options: options)
            try scripts.write()
            for a in scripts.arrays {
                logToStandardError("paper slurm: array of \(a.tasks) runs, \(a.threads) CPUs per task, time limit \(a.timeLimit): \(a.script.path)")
            }
            if scripts.arrays.isEmpty { logToStandardError("paper slurm: no pending runs; only the render job") }
            if noSubmit {
                for a in scripts.arrays { print("sbatch --parsable \(LauncherPlan.shellQuoted(a.script.path))") }
                print("sbatch --dependency=afterany:<the array job ids> \(LauncherPlan.shellQuoted(scripts.render.path))")
                return
            }
            var ids: [String] = []
            for a in scripts.arrays {
                let id = try Self.sbatch([a.script.path])
                ids.append(id)
                print("submitted job array \(id): \(a.tasks) runs (\(a.script.lastPathComponent))")
            }
            let dependency = ids.isEmpty ? [] : ["--dependency=afterany:" + ids.joined(separator: ":")]
            let render = try Self.sbatch(dependency + [scripts.render.path])
            print("submitted render job \(render)" + (ids.isEmpty ? "" : " (after \(ids.joined(separator: ", ")))")
                  + "; logs in \(target.appendingPathComponent("logs").path)")
        }
    }

    static func timestamp() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return f.string(from: Date()) + "-\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// `sbatch --parsable ARGS`; the job id it prints ("id" or "id;cluster").
    static func sbatch(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sbatch", "--parsable"] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do {
            try process.run()
        } catch {
            throw ConfigurationError("sbatch: cannot be started (\(error.localizedDescription)); is Slurm's client installed and on PATH?")
        }
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let id = output.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        guard process.terminationStatus == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw ConfigurationError("sbatch \(arguments.joined(separator: " ")): exit \(process.terminationStatus): "
                + message.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " "))
        }
        return id
    }
}
