import ArgumentParser
import Experiments
import Foundation

/// `atflrec paper`: the paper's Tables I-V from a profile (paper/configs/profile-<name>.json).
/// Prints the plan, trains the runs not yet in the run store (each stored as soon as it
/// finishes, so an interrupted invocation continues where it stopped), then renders the tables,
/// REPORT.md and MANIFEST.sha256 from the stored runs. Figures are drawn by
/// paper/tools/make_figures.py from the same files (`make paper` runs both).
struct PaperCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paper",
        abstract: "The paper's tables (I-V): re-run them (the default), or verify the committed runs.",
        subcommands: [PaperRunCommand.self, PaperVerifyCommand.self],
        defaultSubcommand: PaperRunCommand.self)
}

/// `atflrec paper [run]`: trains what the plan is missing and renders the outputs.
struct PaperRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Re-run the paper's tables (I-V) and write them with the paper's values and a verdict per claim.")

    @Option(help: "Profile: full (the paper's experiment) or quick (pipeline check on tiny synthlens).")
    var profile = "full"

    @Option(help: "Number of seeds (0, 1, ...); default: the profile's.")
    var seeds: Int?

    @Option(name: .customLong("text-model"), help: "Folder of a BERT or RoBERTa model (config.json, model.safetensors, tokenizer files) to use instead of MiniLM-L6.")
    var textModel: String?

    @Option(name: .customLong("only"), help: "Train only these models this sitting (comma-separated: atflrec, gru4rec, sasrec, lightgcn, graphsage); the tables show what is finished.")
    var only: String?

    @Option(name: .customLong("only-datasets"), help: "Train only the runs of these datasets this sitting (comma-separated, e.g. ml100k).")
    var onlyDatasets: String?

    @Option(name: .customLong("only-shots"), help: "Train only the runs with these K this sitting (comma-separated, e.g. 100).")
    var onlyShots: String?

    @Option(name: .customLong("max-runs"), help: "Train at most this many missing runs this sitting (in plan order).")
    var maxRuns: Int?

    @Flag(help: "Print the plan and stop.")
    var planOnly = false

    @Flag(help: "Render from the finished runs without training anything.")
    var renderOnly = false

    @Option(help: "Repository root.")
    var root = "."

    @Option(help: "Run store (committed small outputs); default paper/runs, or paper/quick/runs for the quick profile.")
    var runs: String?

    @Option(help: "Output folder of tables, report and manifest; default paper, or paper/quick for the quick profile.")
    var output: String?

    @Option(help: "Root of the runs' checkpoints (not committed).")
    var checkpoints = "checkpoints/paper"

    func run() throws {
        do {
            if let maxRuns, maxRuns < 1 {
                throw ValidationError("--max-runs \(maxRuns): expected a whole number of at least 1 (leave it out to train every missing run)")
            }
            let rootURL = URL(fileURLWithPath: root)
            let p = try PaperProfile.load(rootURL.appendingPathComponent("paper/configs/profile-\(profile).json"))
            let defaultOutput = p.name == "full" ? "paper" : "paper/\(p.name)"
            let outputURL = URL(fileURLWithPath: output ?? rootURL.appendingPathComponent(defaultOutput).path)
            let locations = PaperSession.Locations(
                root: rootURL, runs: URL(fileURLWithPath: runs ?? outputURL.appendingPathComponent("runs").path),
                checkpoints: URL(fileURLWithPath: checkpoints).appendingPathComponent(p.name), output: outputURL)
            let extra = textModel.map { ["text.modelPath=\(URL(fileURLWithPath: $0).standardizedFileURL.path)"] } ?? []
            let session = try PaperSession(profile: p, seedCount: seeds, extraOverrides: extra, locations: locations)
            let log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
            for line in try session.describePlan() { log(line) }
            if planOnly { return }
            let sitting = PaperSession.Sitting(
                models: try only.map(Self.models), datasets: onlyDatasets.map { Set(Self.list($0)) },
                shots: try onlyShots.map { try Set(Self.list($0).map(Self.shot)) }, maxRuns: maxRuns)
            let results = renderOnly ? try session.loadFinished() : try session.run(sitting: sitting, log: log)
            let environment = PaperSession.reportEnvironment(threads: session.base.threads)
            let files = try session.render(results: results, environment: environment)
            print("paper: \(results.count) of \(session.plan.configurations.count) runs finished; wrote \(files.count) files; report \(outputURL.appendingPathComponent("REPORT.md").path)")
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("atflrec paper: \(error)\n".utf8))
            throw ExitCode(1)
        }
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
                throw ValidationError("--only: unknown model '\(name)' (atflrec, gru4rec, sasrec, lightgcn, graphsage)")
            }
            out.insert(kind)
        }
        return out
    }
}
