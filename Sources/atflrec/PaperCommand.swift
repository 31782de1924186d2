import ArgumentParser
import Experiments
import Foundation
import TensorCore

extension MatrixProduct: ExpressibleByArgument {}

/// `atflrec paper`: the paper's Tables I-V from a profile (paper/configs/profile-<name>.json).
/// `run` (the default) prints the plan, trains the runs not yet in the run store (each stored as
/// soon as it finishes, so an interrupted invocation continues where it stopped), then renders
/// the tables, REPORT.md and MANIFEST.sha256 from the stored runs. Figures are drawn by
/// paper/tools/make_figures.py from the same files (`make paper` runs both).
/// For many machines (issue 26; docs/cluster.md) the same plan splits into steps: `commands`
/// lists the pending runs as shell commands for any launcher, `worker` is one such command,
/// `slurm` submits them as job arrays, `render` writes the outputs from what is stored.
struct PaperCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paper",
        abstract: "The paper's tables (I-V): re-run them (the default), run them through a launcher, or verify the committed runs.",
        subcommands: [PaperRunCommand.self, PaperCommandsCommand.self, PaperWorkerCommand.self, PaperSlurmCommand.self,
                      PaperRenderCommand.self, PaperVerifyCommand.self],
        defaultSubcommand: PaperRunCommand.self)
}

/// The options that define a plan and where its files go, shared by run, commands, slurm and render.
struct PaperPlanOptions: ParsableArguments {
    @Option(help: "Profile: full (the paper's experiment), fast (full with every 8th audio frame, the exact product; shares full's run store), sequential (issue 28's ranking tables R1-R2, paper/sequential) or quick (pipeline check on tiny synthlens).")
    var profile = "full"

    @Option(help: "Number of seeds (0, 1, ...); default: the profile's.")
    var seeds: Int?

    @Option(name: .customLong("text-model"), help: "Folder of a BERT or RoBERTa model (config.json, model.safetensors, tokenizer files) to use instead of MiniLM-L6.")
    var textModel: String?

    @Option(help: "Repository root.")
    var root = "."

    @Option(help: "Run store (committed small outputs); default paper/runs (full, and the profiles extending it), or paper/quick/runs for the quick profile.")
    var runs: String?

    @Option(help: "Output folder of tables, report and manifest; default paper, or paper/<profile> for the others.")
    var output: String?

    @Option(help: "Root of the runs' checkpoints (not committed); the profile's name is appended.")
    var checkpoints = "checkpoints/paper"

    @Option(help: "Make every table's runs with this matrix product (exact-fma or openblas) instead of each table's own: an edition of the plan, written to <output>/<numerics> (the run store is shared).")
    var numerics: MatrixProduct?

    /// Where the outputs go: `--output`, else paper (full) or paper/<profile>, with
    /// /<numerics> appended for an edition under one product.
    func outputURL(root rootURL: URL, profile p: PaperProfile) -> URL {
        if let output { return URL(fileURLWithPath: output) }
        let base = PaperProfile.outputFolder(p.name, root: rootURL)
        return numerics.map { base.appendingPathComponent($0.rawValue) } ?? base
    }

    /// The run store: `--runs`, else `runs` beside the default outputs (one store for every edition).
    func runsURL(root rootURL: URL, profile p: PaperProfile) -> URL {
        if let runs { return URL(fileURLWithPath: runs) }
        if output != nil { return outputURL(root: rootURL, profile: p).appendingPathComponent("runs") }
        return p.defaultRunStore(root: rootURL)
    }

    static func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }

    func session() throws -> PaperSession {
        let rootURL = URL(fileURLWithPath: root)
        let p = try PaperProfile.load(profile, root: rootURL)
        let locations = PaperSession.Locations(
            root: rootURL, runs: runsURL(root: rootURL, profile: p),
            checkpoints: URL(fileURLWithPath: checkpoints).appendingPathComponent(p.name), output: outputURL(root: rootURL, profile: p))
        let extra = textModel.map { ["text.modelPath=\(Self.absolute($0))"] } ?? []
        return try PaperSession(profile: p, seedCount: seeds, extraOverrides: extra, numerics: numerics, locations: locations)
    }

    /// The same plan, from any working directory: every path absolute.
    var absoluteArguments: [String] {
        var words = ["--profile", profile, "--root", Self.absolute(root), "--checkpoints", Self.absolute(checkpoints)]
        if let seeds { words += ["--seeds", "\(seeds)"] }
        if let textModel { words += ["--text-model", Self.absolute(textModel)] }
        if let runs { words += ["--runs", Self.absolute(runs)] }
        if let output { words += ["--output", Self.absolute(output)] }
        if let numerics { words += ["--numerics", numerics.rawValue] }
        return words
    }
}

/// Which runs one sitting trains (PaperSession.Sitting).
struct PaperSittingOptions: ParsableArguments {
    @Option(name: .customLong("only"), help: "Only these models (comma-separated: atflrec, mllm-msr, gru4rec, sasrec, lightgcn, graphsage); the tables show what is finished.")
    var only: String?

    @Option(name: .customLong("only-datasets"), help: "Only the runs of these datasets (comma-separated, e.g. ml100k).")
    var onlyDatasets: String?

    @Option(name: .customLong("only-shots"), help: "Only the runs with these K (comma-separated, e.g. 100).")
    var onlyShots: String?

    @Option(name: .customLong("only-runs"), help: "Only the runs of these names (comma-separated, as --plan-only prints them).")
    var onlyRuns: String?

    @Option(name: .customLong("max-runs"), help: "At most this many missing runs (in plan order).")
    var maxRuns: Int?

    func sitting() throws -> PaperSession.Sitting {
        if let maxRuns, maxRuns < 1 {
            throw ValidationError("--max-runs \(maxRuns): expected a whole number of at least 1 (leave it out to train every missing run)")
        }
        return PaperSession.Sitting(
            models: try only.map(Self.models), datasets: onlyDatasets.map { Set(Self.list($0)) },
            shots: try onlyShots.map { try Set(Self.list($0).map(Self.shot)) },
            runNames: onlyRuns.map { Set(Self.list($0)) }, maxRuns: maxRuns)
    }

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    static func shot(_ text: String) throws -> Int {
        guard let k = Int(text), k > 0 else { throw ValidationError("--only-shots: '\(text)' is not a positive whole number") }
        return k
    }

    static func models(_ list: String) throws -> Set<ModelKind> {
        var out: Set<ModelKind> = []
        for name in Self.list(list) {
            guard let kind = ModelKind(rawValue: name) else {
                throw ValidationError("--only: unknown model '\(name)' (\(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            out.insert(kind)
        }
        return out
    }
}

/// Runs `body`, printing any error as one line prefixed by the command's name, exit status 1.
func reportingErrors(_ command: String, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        FileHandle.standardError.write(Data("atflrec \(command): \(error)\n".utf8))
        throw ExitCode(1)
    }
}

func logToStandardError(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

/// `atflrec paper [run]`: trains what the plan is missing and renders the outputs.
struct PaperRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Re-run the paper's tables (I-V) and write them with the paper's values and a verdict per claim.")

    @OptionGroup var plan: PaperPlanOptions
    @OptionGroup var sittingOptions: PaperSittingOptions

    @Flag(help: "Print the plan and stop.")
    var planOnly = false

    @Flag(help: "Render from the finished runs without training anything (the same as `atflrec paper render`).")
    var renderOnly = false

    func run() throws {
        try reportingErrors("paper") {
            let sitting = try sittingOptions.sitting()
            let session = try plan.session()
            _ = try sitting.select(from: session.plan) { _ in false }  // refuses unknown run names, with --plan-only too
            for line in try session.describePlan() { logToStandardError(line) }
            if planOnly { return }
            if !renderOnly { _ = try session.run(sitting: sitting, log: logToStandardError) }
            try PaperRenderCommand.render(session)
        }
    }
}

/// `atflrec paper render`: the tables, report and manifest from the stored runs; trains nothing.
/// The last step of a launcher's plan (the Slurm render job runs it).
struct PaperRenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Write the tables, REPORT.md and MANIFEST.sha256 from the stored runs (cells not stored yet say so).")

    @OptionGroup var plan: PaperPlanOptions

    func run() throws {
        try reportingErrors("paper render") {
            let session = try plan.session()
            try Self.render(session)
        }
    }

    static func render(_ session: PaperSession) throws {
        // One render of a store at a time; the store is read again under the lock, so the last
        // render to write has read the most runs.
        let lock = try RunLock.wait(PaperSession.runStore(root: session.locations.root, runs: session.locations.runs).renderLockURL)
        defer { lock.release() }
        let results = try session.loadFinished()
        let environment = PaperSession.reportEnvironment(threads: session.base.threads)
        let files = try session.render(results: results, environment: environment)
        print("paper: \(results.count) of \(session.plan.configurations.count) runs finished; wrote \(files.count) files; "
              + "report \(session.locations.output.appendingPathComponent("REPORT.md").path)")
    }
}

/// `atflrec paper commands`: the pending runs as shell commands, one a line (LauncherPlan), on
/// stdout; their configuration files are written under <checkpoints>/<profile>/plan/.
///   atflrec paper commands --profile quick | parallel --jobs 2 && atflrec paper render --profile quick
struct PaperCommandsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commands",
        abstract: "List the pending runs as self-contained shell commands, one a line, longest expected first, for GNU parallel, Slurm or a loop.")

    @OptionGroup var plan: PaperPlanOptions
    @OptionGroup var sittingOptions: PaperSittingOptions

    @Flag(name: .customLong("render"), help: "Print the render command (for after the runs) instead of the runs.")
    var renderCommand = false

    func run() throws {
        try reportingErrors("paper commands") {
            let launcher = try LauncherPlan.make(session: try plan.session(), sitting: try sittingOptions.sitting(),
                                                 executable: Self.executablePath(), planArguments: plan.absoluteArguments)
            if renderCommand { print(launcher.renderCommand); return }
            for task in launcher.tasks { print(task.command) }
            let total = launcher.tasks.map(\.expectedSeconds).reduce(0, +)
            let longest = launcher.tasks.map(\.expectedSeconds).max() ?? 0
            logToStandardError("paper commands: \(launcher.tasks.count) pending runs, about \(ProgressLine.duration(total)) of compute; "
                + "the longest about \(ProgressLine.duration(longest)) (the wall time with one slot per run)")
        }
    }

    /// This program's absolute path, for commands run from elsewhere.
    static func executablePath() -> String {
        let path = CommandLine.arguments[0]
        if path.contains("/") { return PaperPlanOptions.absolute(path) }
        return (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? path
    }
}

/// `atflrec paper worker`: one line of `atflrec paper commands`. Trains the run under its lock,
/// or returns at once (status 0) when it is finished or another worker holds it.
struct PaperWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Train one run of a plan into the run store under the run's lock (skips a finished or held run).")

    @Option(help: "The run's thread count; must equal its configuration's `threads` (stated so launchers can read it).")
    var threads: Int

    @Option(help: "The run's configuration file (written by `atflrec paper commands`).")
    var config: String

    @Option(help: "Repository root (data, weights, baseline settings).")
    var root = "."

    @Option(help: "Run store.")
    var runs: String

    @Option(help: "Folder of the run directories (checkpoints), shared by every worker of the plan.")
    var checkpoints: String

    func run() throws {
        try reportingErrors("paper worker") {
            let file = URL(fileURLWithPath: config)
            let c: ExperimentConfiguration
            do {
                c = try JSONDecoder().decode(ExperimentConfiguration.self, from: Data(contentsOf: file))
            } catch {
                throw ConfigurationError("\(file.path): not a readable configuration (\(error))")
            }
            guard c.threads == threads else {
                throw ConfigurationError("\(file.path): threads is \(c.threads), but --threads \(threads) was given; the command line must state the run's own count")
            }
            let rootURL = URL(fileURLWithPath: root)
            let store = PaperSession.runStore(root: rootURL, runs: URL(fileURLWithPath: runs))
            guard let trainer = PaperSession.trainer(c.model, root: rootURL) else {
                throw ConfigurationError("no trainer for model '\(c.model.rawValue)' (its settings file under paper/configs/baselines is unreadable)")
            }
            let worker = RunWorker(store: store, checkpointsRoot: URL(fileURLWithPath: checkpoints), trainer: trainer)
            let progress = ProgressLine(label: c.runName, total: 1)
            switch try worker.run(c, progress: progress) {
            case .alreadyFinished:
                print("\(c.runName): already stored; nothing to do")
            case .busy(let holder):
                print("\(c.runName): another worker trains it (\(holder.map(String.init(describing:)) ?? "holder unknown")); nothing to do")
            case .trained(let auc, let seconds, let previous):
                print(String(format: "%@: trained and stored, test AUC %.4f, %.1f s", c.runName, auc, seconds)
                      + (previous.map { " (took over from \($0))" } ?? ""))
            }
        }
    }
}
