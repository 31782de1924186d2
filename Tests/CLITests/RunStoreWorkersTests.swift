// Issue 26, point 2: a run store that is safe with many workers, checked with real concurrent
// `atflrec paper worker` processes (record locks belong to processes, so threads of one test
// process could not check them). Runs of the quick profile with the tiny BERT fixture
// (Tests/Fixtures/text/tiny-bert), seconds each: the point is who trains what, and the bytes.
import Foundation
import Testing
import TestSupport

@Suite("run store with many workers", .serialized)
struct RunStoreWorkersTests {
    static let tinyBERT = Fixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/text/tiny-bert").path

    struct Store {
        let folder: URL
        var runs: URL { folder.appendingPathComponent("runs") }
        var checkpoints: URL { folder.appendingPathComponent("checkpoints") }
        var planArguments: [String] {
            ["--profile", "quick", "--root", Fixtures.repositoryRoot.path, "--text-model", RunStoreWorkersTests.tinyBERT,
             "--runs", runs.path, "--output", folder.appendingPathComponent("out").path, "--checkpoints", checkpoints.path]
        }
        func workerArguments(config: String, threads: Int = 1) -> [String] {
            ["paper", "worker", "--threads", "\(threads)", "--config", config, "--root", Fixtures.repositoryRoot.path,
             "--runs", runs.path, "--checkpoints", checkpoints.appendingPathComponent("quick").path]
        }
        func history(_ run: String) throws -> [String] {
            let text = try String(contentsOf: runs.appendingPathComponent(".locks/\(run).history"), encoding: .utf8)
            return text.split(separator: "\n").map(String.init)
        }
    }

    /// `atflrec paper commands` for `sitting`: the command lines (one per pending run).
    func commands(_ store: Store, _ sitting: [String]) throws -> [String]? {
        guard let r = try runATFLRec(["paper", "commands"] + store.planArguments + sitting) else { return nil }
        try #require(r.status == 0, "atflrec paper commands exited \(r.status): \(r.stderr)")
        return r.stdout.split(separator: "\n").map(String.init)
    }

    /// The value after `--config` in a command line (paths in these tests hold no spaces).
    static func configFile(_ command: String) throws -> String {
        let words = command.split(separator: " ").map(String.init)
        let i = try #require(words.firstIndex(of: "--config"))
        return words[i + 1]
    }

    /// A started `atflrec` whose output goes to files (many at once must not block on pipes).
    final class Started {
        let process = Process()
        let stdout: URL, stderr: URL
        init(_ arguments: [String], logs: URL, label: String) throws {
            stdout = logs.appendingPathComponent("\(label).out")
            stderr = logs.appendingPathComponent("\(label).err")
            FileManager.default.createFile(atPath: stdout.path, contents: nil)
            FileManager.default.createFile(atPath: stderr.path, contents: nil)
            process.executableURL = try #require(atflrecBinary())
            process.arguments = arguments
            process.standardOutput = try FileHandle(forWritingTo: stdout)
            process.standardError = try FileHandle(forWritingTo: stderr)
            try process.run()
        }
        func wait() throws -> (status: Int32, out: String, err: String) {
            process.waitUntilExit()
            return (process.terminationStatus, try String(contentsOf: stdout, encoding: .utf8), try String(contentsOf: stderr, encoding: .utf8))
        }
    }

    /// Three workers per run, all started at once on one store: every run is trained by exactly
    /// one of them (its history has one "trained" line; the other two found it held or stored),
    /// and the store holds the bytes a serial `atflrec paper` gives.
    @Test func workersStartedTogetherTrainEachRunOnce() throws {
        let sitting = ["--only", "gru4rec,sasrec,atflrec", "--only-shots", "32"]
        let shared = Store(folder: try Fixtures.temporaryDirectory("workers-shared"))
        guard let lines = try commands(shared, sitting) else { return }
        try #require(lines.count == 5, "expected gru4rec, sasrec and ATFLRec (a), (b), (c) at K=32: \(lines)")
        let logs = try Fixtures.temporaryDirectory("workers-logs")
        var started: [(run: String, worker: Started)] = []
        for copy in 0..<3 {
            for (i, line) in lines.enumerated() {
                let config = try Self.configFile(line)
                let run = URL(fileURLWithPath: config).deletingPathExtension().lastPathComponent
                started.append((run, try Started(shared.workerArguments(config: config), logs: logs, label: "\(i)-\(copy)")))
            }
        }
        var trainedBy: [String: Int] = [:]
        for (run, worker) in started {
            let r = try worker.wait()
            #expect(r.status == 0, "a worker of \(run) exited \(r.status): \(r.err.suffix(1500))")
            if r.out.contains("\(run): trained and stored") { trainedBy[run, default: 0] += 1 }
            else {
                #expect(r.out.contains("\(run): already stored") || r.out.contains("\(run): another worker trains it (pid "),
                        "\(run): \(r.out) \(r.err.suffix(500))")
            }
        }
        let serial = Store(folder: try Fixtures.temporaryDirectory("workers-serial"))
        guard let reference = try runATFLRec(["paper"] + serial.planArguments + sitting) else { return }
        try #require(reference.status == 0, "serial atflrec paper: \(reference.stderr.suffix(2000))")
        for line in lines {
            let run = URL(fileURLWithPath: try Self.configFile(line)).deletingPathExtension().lastPathComponent
            #expect(trainedBy[run] == 1, "\(run) trained by \(trainedBy[run] ?? 0) workers")
            let history = try shared.history(run)
            #expect(history.filter { $0.contains(" trained (") }.count == 1 && history.filter { $0.contains(" started (") }.count == 1,
                    "\(run): \(history)")
            #expect(!FileManager.default.fileExists(atPath: shared.runs.appendingPathComponent(".locks/\(run).lock").path),
                    "\(run): the lock file of a stored run is left behind")
            for file in ["config.json", "predictions.csv"] {
                let a = try Data(contentsOf: shared.runs.appendingPathComponent("\(run)/\(file)"))
                let b = try Data(contentsOf: serial.runs.appendingPathComponent("\(run)/\(file)"))
                #expect(a == b, "\(run)/\(file) differs from the serial run's")
            }
            #expect(try Self.hashes(shared, run) == Self.hashes(serial, run), "\(run): checkpoint or model tensors differ from the serial run's")
        }
    }

    static func result(_ store: Store, _ run: String) throws -> [String: Any] {
        let data = try Data(contentsOf: store.runs.appendingPathComponent("\(run)/result.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func hashes(_ store: Store, _ run: String) throws -> [String] {
        let r = try result(store, run)
        return try ["checkpointSHA256", "modelTensorsSHA256", "testAUC"].map { try #require(r[$0].map { "\($0)" }, "\(run): no \($0)") }
    }

    /// A worker killed (SIGKILL) mid-run leaves its lock file, its checkpoint and no result; a
    /// worker started while it ran found the run held and left it alone; the next worker names the
    /// killed one, takes the run over, resumes from the checkpoint and stores the bytes of an
    /// uninterrupted run.
    @Test func killedWorkerIsTakenOverAndResumesToTheSameBytes() throws {
        let store = Store(folder: try Fixtures.temporaryDirectory("workers-killed"))
        guard let lines = try commands(store, ["--only", "atflrec", "--only-shots", "32", "--max-runs", "1"]) else { return }
        try #require(lines.count == 1)
        // Eight epochs instead of the profile's two, so that the kill lands between two epochs.
        let planned = try Self.configFile(lines[0])
        let text = try String(contentsOfFile: planned, encoding: .utf8)
        let longer = text.replacingOccurrences(of: "\"epochs\" : 2,", with: "\"epochs\" : 8,")
        try #require(longer != text)
        let config = store.folder.appendingPathComponent("eight-epochs.json")
        try longer.write(to: config, atomically: true, encoding: .utf8)
        let reference = Store(folder: try Fixtures.temporaryDirectory("workers-uninterrupted"))
        guard let uninterrupted = try runATFLRec(reference.workerArguments(config: config.path)) else { return }
        try #require(uninterrupted.status == 0, "\(uninterrupted.stderr.suffix(2000))")
        let run = try #require(try FileManager.default.contentsOfDirectory(atPath: reference.runs.path).filter { !$0.hasPrefix(".") }.first)

        let logs = try Fixtures.temporaryDirectory("workers-killed-logs")
        let victim = try Started(store.workerArguments(config: config.path), logs: logs, label: "victim")
        let checkpoint = store.checkpoints.appendingPathComponent("quick/\(run)/checkpoint.h5")
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: checkpoint.path) && victim.process.isRunning && Date() < deadline { usleep(20_000) }
        if !victim.process.isRunning {
            let ended = try victim.wait()
            Issue.record("the worker ended (status \(ended.status)) before its first checkpoint: \(ended.err.suffix(1500))")
            return
        }
        let meanwhile = try #require(try runATFLRec(store.workerArguments(config: config.path)))
        #expect(meanwhile.status == 0 && meanwhile.stdout.contains("\(run): another worker trains it (pid \(victim.process.processIdentifier) on "),
                "a second worker while the first ran: \(meanwhile.stdout) \(meanwhile.stderr.suffix(500))")
        kill(victim.process.processIdentifier, SIGKILL)
        let killed = try victim.wait()
        #expect(killed.status == SIGKILL && victim.process.terminationReason == .uncaughtSignal)
        #expect(!FileManager.default.fileExists(atPath: store.runs.appendingPathComponent("\(run)/result.json").path),
                "the run finished before it was killed; the test needs a longer run")
        #expect(FileManager.default.fileExists(atPath: store.runs.appendingPathComponent(".locks/\(run).lock").path))

        guard let next = try runATFLRec(store.workerArguments(config: config.path)) else { return }
        #expect(next.status == 0, "\(next.stderr.suffix(2000))")
        #expect(next.stdout.contains("trained and stored") && next.stdout.contains("(took over from pid \(victim.process.processIdentifier) on "),
                "\(next.stdout)")
        #expect(next.stderr.contains("resuming from checkpoint.h5 after epoch "), "\(next.stderr.suffix(1500))")
        let resumed = try Self.result(store, run)["resumedAtEpochs"] as? [Int] ?? []
        #expect(resumed.count == 1, "result.json resumedAtEpochs \(resumed)")
        let history = try store.history(run), pid = victim.process.processIdentifier
        #expect(history.count == 4 && history[0].contains(" started (pid \(pid) ") && history[1].contains(" took over from ")
                && history[1].contains(" pid \(pid) (") && history[2].contains(" started (") && history[3].contains(" trained ("), "\(history)")
        #expect(try Data(contentsOf: store.runs.appendingPathComponent("\(run)/predictions.csv"))
                == Data(contentsOf: reference.runs.appendingPathComponent("\(run)/predictions.csv")), "predictions differ from the uninterrupted run's")
        #expect(try Self.hashes(store, run) == Self.hashes(reference, run))
    }
}
