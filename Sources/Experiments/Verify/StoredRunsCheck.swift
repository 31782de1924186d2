import CSndfile
import Foundation
import HDF5Storage
import TensorCore

/// What `atflrec paper verify` checks without training (issue 25): that the committed files are
/// the ones the manifest names, that every run's recorded test metrics are those of its
/// predictions, and that the tables, report and manifest rendered again from the stored runs
/// equal the committed ones byte for byte. Each failure names its file.
public struct StoredRunsCheck {
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        /// Path relative to the repository root.
        public var file: String
        public var problem: String
        public var description: String { "\(file): \(problem)" }
    }

    public let session: PaperSession
    /// Path prefix that names files relative to the repository root ("paper").
    let outputName: String

    public init(session: PaperSession) {
        self.session = session
        let root = session.locations.root.standardizedFileURL.path
        let out = session.locations.output.standardizedFileURL.path
        outputName = out.hasPrefix(root + "/") ? String(out.dropFirst(root.count + 1)) : out
    }

    /// Lines of the committed MANIFEST.sha256 whose file is present and hashes otherwise; a
    /// listed output or run file that is missing is a finding too (checkpoints, which are not
    /// committed, are only checked where present). Returns the findings and the files checked.
    public func manifest() throws -> (findings: [Finding], checked: Int) {
        let url = session.locations.output.appendingPathComponent("MANIFEST.sha256")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            return ([Finding(file: "\(outputName)/MANIFEST.sha256", problem: "missing")], 0)
        }
        var findings: [Finding] = [], checked = 0
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let relative = parts[1].trimmingCharacters(in: .whitespaces)
            let file = session.locations.output.appendingPathComponent(relative)
            let name = "\(outputName)/\(relative)"
            guard let data = try? Data(contentsOf: file) else {
                if !relative.hasSuffix(".h5") { findings.append(Finding(file: name, problem: "listed in MANIFEST.sha256 but missing")) }
                continue
            }
            checked += 1
            if SHA256Hex.of(data) != parts[0] {
                findings.append(Finding(file: name, problem: "SHA-256 differs from MANIFEST.sha256 (the file was changed after it was rendered)"))
            }
        }
        return (findings, checked)
    }

    /// Every finished run's testAUC, testUAUC (and the users it averages, where recorded) and
    /// testLogLoss recomputed from its predictions.csv.
    public func metrics(_ results: [String: (RunResult, Predictions)]) throws -> [Finding] {
        var findings: [Finding] = []
        for c in session.plan.configurations {
            guard let (r, p) = results[c.runName] else { continue }
            let e = try TestEvaluation(p)
            let file = "\(runsName)/\(c.runName)/result.json"
            func check(_ field: String, _ stored: Double, _ computed: Double) {
                guard stored != computed && !(stored.isNaN && computed.isNaN) else { return }
                findings.append(Finding(file: file, problem: "\(field) \(stored) but predictions.csv gives \(computed)"))
            }
            check("testAUC", r.testAUC, e.auc)
            check("testUAUC", r.testUAUC, e.uauc)
            check("testLogLoss", r.testLogLoss, e.logLoss)
            if let users = r.testUAUCUsers, users != e.uaucUsers {
                findings.append(Finding(file: file, problem: "testUAUCUsers \(users) but predictions.csv gives \(e.uaucUsers)"))
            }
        }
        return findings
    }

    var runsName: String {
        let root = session.locations.root.standardizedFileURL.path
        let runs = session.locations.runs.standardizedFileURL.path
        return runs.hasPrefix(root + "/") ? String(runs.dropFirst(root.count + 1)) : runs
    }

    /// Renders the outputs again from `results` into `scratch` (laid out as the committed folder,
    /// so the manifest's relative paths are the same) and compares each file written with the
    /// committed one. `figures`: also draw the figures (paper/tools/make_figures.py) and compare
    /// them. Returns the findings and the number of files compared.
    public func rerender(_ results: [String: (RunResult, Predictions)], environment: [(String, String)], scratch: URL,
                         figures: Bool, python: String = "python3") throws -> (findings: [Finding], compared: Int) {
        let fm = FileManager.default
        // The run store where it is relative to the committed outputs (a link: nothing is
        // copied), since the manifest names run files by that relative path: `runs` beside
        // paper/, `../runs` for an edition such as paper/exact-fma.
        let relativeRuns = PaperWriter(root: session.locations.output).relativePath(session.locations.runs)
        let depth = relativeRuns.split(separator: "/").prefix { $0 == ".." }.count
        let out = (0..<depth).reduce(scratch.appendingPathComponent("paper", isDirectory: true)) { url, _ in url.appendingPathComponent("edition", isDirectory: true) }
        try fm.createDirectory(at: out, withIntermediateDirectories: true)
        let runsLink = URL(fileURLWithPath: out.path + "/" + relativeRuns).standardizedFileURL
        try fm.createDirectory(at: runsLink.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? fm.removeItem(at: runsLink)
        try fm.createSymbolicLink(at: runsLink, withDestinationURL: session.locations.runs.standardizedFileURL)
        // The manifest names checkpoints relative to the outputs; keep that relation (a path only:
        // nothing is read or written there).
        let relativeCheckpoints = PaperWriter(root: session.locations.output).relativePath(session.locations.checkpoints)
        let checkpoints = URL(fileURLWithPath: out.path + "/" + relativeCheckpoints).standardizedFileURL
        let locations = PaperSession.Locations(root: session.locations.root, runs: runsLink,
                                               checkpoints: checkpoints, output: out)
        let again = session.relocated(locations)
        var written = try again.render(results: results, environment: environment)
        if figures {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [python, session.locations.root.appendingPathComponent("paper/tools/make_figures.py").path, out.path, runsLink.path]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                return ([Finding(file: "paper/tools/make_figures.py", problem: "exited \(process.terminationStatus) drawing the figures again")], 0)
            }
            let drawn = out.appendingPathComponent("figures")
            written += try fm.contentsOfDirectory(atPath: drawn.path).sorted().map { drawn.appendingPathComponent($0) }
        }
        var findings: [Finding] = []
        for file in written {
            let relative = String(file.standardizedFileURL.path.dropFirst(out.standardizedFileURL.path.count + 1))
            let committed = session.locations.output.appendingPathComponent(relative)
            let name = "\(outputName)/\(relative)"
            guard let old = try? Data(contentsOf: committed) else {
                findings.append(Finding(file: name, problem: "not committed, but rendering the stored runs writes it"))
                continue
            }
            if old != (try Data(contentsOf: file)) {
                findings.append(Finding(file: name, problem: "differs from the file rendered again from the stored runs (\(file.path))"))
            }
        }
        return (findings, written.count)
    }
}

extension PaperSession {
    /// The same plan with other locations (verify renders into a scratch folder).
    func relocated(_ locations: Locations) -> PaperSession {
        var copy = self
        copy.locations = locations
        return copy
    }

    /// What REPORT.md says of the environment that rendered it: only what is the same on every
    /// machine of this project's kind (library versions, the thread count), never the CPU or its
    /// kernels, so a report rendered again elsewhere is the same bytes. Each run's own numerical
    /// environment is in its result.json.
    public static func reportEnvironment(threads: Int) -> [(String, String)] {
        [
            ("blas_threads", String(threads)),
            ("fftw", RunEnvironment.fftwVersion),
            ("hdf5", HDF5Version.string),
            ("libsndfile", String(cString: sf_version_string())),
            ("openblas", "OpenBLAS \(BLASCore.versionNumber)"),
            ("swift", RunEnvironment.swiftVersion),
        ]
    }
}
